#include "env/config_file.h"

#include <chanload/errors.h>

#include <sys/stat.h>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "env/py_json.h"
#include "env/python_text.h"

namespace chanload::env {

std::string join_path(const std::string& base, const std::string& name) {
  if (base.empty() || base.back() == '/') return base + name;
  return base + "/" + name;
}

std::optional<Value> read_config_file(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    throw ConfigError(path + ": cannot read: " + std::strerror(errno), path);
  }
  if (S_ISDIR(info.st_mode)) throw ConfigError(path + ": is a directory, expected a JSON file", path);
  // Config files are small; refuse anything that could not be one rather than read it whole.
  constexpr off_t kMaxConfigBytes = 64 << 20;
  if (info.st_size > kMaxConfigBytes) {
    throw ConfigError(path + ": " + std::to_string(info.st_size) +
                          " bytes, larger than any SageMaker config file (limit 64 MiB)",
                      path);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open: " + std::strerror(errno), path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw ConfigError(path + ": read failed: " + std::strerror(errno), path);

  if (const std::size_t bad = find_invalid_utf8(text); bad != std::string::npos) {
    throw ConfigError(path + ": byte offset " + std::to_string(bad) + ": not valid UTF-8", path);
  }
  try {
    return parse_python_json(text);
  } catch (const JsonSyntaxError& e) {
    throw ConfigError(path + ": invalid JSON: " + e.what(), path, e.line(), e.column());
  }
}

}  // namespace chanload::env
