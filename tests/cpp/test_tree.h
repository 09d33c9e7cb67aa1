// A job tree in a fresh temporary directory, removed when the object goes.
#pragma once

#include <chanload/environment.h>

#include <filesystem>
#include <functional>
#include <string>

namespace chanload::testing {

class TestTree {
 public:
  TestTree();
  ~TestTree();
  TestTree(const TestTree&) = delete;
  TestTree& operator=(const TestTree&) = delete;

  [[nodiscard]] const std::filesystem::path& root() const { return root_; }
  // Writes root/relative (creating parent folders) with exactly these bytes.
  void write(const std::string& relative, const std::string& content) const;
  // Writes input/config/<name>.
  void write_config(const std::string& name, const std::string& json) const;
  // The job this tree holds, as Environment::load reads it (no device probes: tests stay fast).
  [[nodiscard]] Environment environment() const;

 private:
  std::filesystem::path root_;
};

// Runs a shell command line, returning its exit status and standard output (stderr goes into the
// output too when merge_stderr).
struct CommandResult {
  int status = -1;
  std::string output;
};
CommandResult run_command(const std::string& command_line);

// Runs body in a forked child (as user nobody first when as_nobody and this is root) and returns
// what body returned there; for what only a child can show (a fork after a Loader was made, a
// folder root could read anyway). "exit N" when the child ended without an answer.
std::string answer_from_child(const std::function<std::string()>& body, bool as_nobody = false);

// The message of the ConfigError that call throws, or "no error".
std::string config_error_of(const std::function<void()>& call);

}  // namespace chanload::testing
