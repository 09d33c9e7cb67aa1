#include "test_tree.h"

#include <chanload/errors.h>

#include <sys/wait.h>
#include <unistd.h>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace chanload::testing {

TestTree::TestTree() {
  std::string pattern = (std::filesystem::temp_directory_path() / "chanload-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  root_ = pattern;
}

TestTree::~TestTree() {
  std::error_code ignored;
  std::filesystem::remove_all(root_, ignored);
}

void TestTree::write(const std::string& relative, const std::string& content) const {
  const auto path = root_ / relative;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

void TestTree::write_config(const std::string& name, const std::string& json) const {
  write("input/config/" + name, json);
}

Environment TestTree::environment() const {
  EnvironmentOptions options;
  options.root = root_;
  options.probe_devices = false;
  return Environment::load(options);
}

CommandResult run_command(const std::string& command_line) {
  CommandResult result;
  FILE* pipe = ::popen(command_line.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string config_error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

std::string answer_from_child(const std::function<std::string()>& body, bool as_nobody) {
  int fds[2];
  if (::pipe(fds) != 0) return "pipe failed";
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(fds[0]);
    if (as_nobody && ::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(3);
    const std::string answer = body();
    (void)!::write(fds[1], answer.data(), answer.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string answer;
  std::array<char, 1024> buffer{};
  ssize_t n = 0;
  while ((n = ::read(fds[0], buffer.data(), buffer.size())) > 0)
    answer.append(buffer.data(), static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (answer.empty()) return "exit " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return answer;
}

}  // namespace chanload::testing
