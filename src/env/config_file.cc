#include "env/config_file.h"

#include <chanload/errors.h>

#include "env/py_json.h"
#include "env/python_text.h"
#include "env/small_file.h"

namespace chanload::env {

std::string join_path(const std::string& base, const std::string& name) {
  if (base.empty() || base.back() == '/') return base + name;
  return base + "/" + name;
}

std::optional<Value> read_config_file(const std::string& path) {
  // Config files are small; the bound is on the bytes read, not the size the file claims.
  constexpr std::size_t kMaxConfigBytes = std::size_t{64} << 20;
  const std::optional<std::string> read = read_small_file(path, kMaxConfigBytes, "a JSON config file");
  if (!read) return std::nullopt;
  const std::string& text = *read;
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
