// Reading the JSON files under input/config with the toolkit's parser semantics.
#pragma once

#include <chanload/value.h>

#include <optional>
#include <string>

namespace chanload::env {

// The parsed file, or nullopt when it does not exist. Throws ConfigError naming the file (and the
// line and column, for bad JSON; the byte offset, for bad UTF-8) for anything else.
std::optional<Value> read_config_file(const std::string& path);

// os.path.join(base, name) for a relative name.
std::string join_path(const std::string& base, const std::string& name);

}  // namespace chanload::env
