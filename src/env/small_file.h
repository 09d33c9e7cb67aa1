// Reading a small file whole (a config file, a loader state): only a regular file, never more than
// a limit of bytes, whatever the file says its size is. /dev/zero, a FIFO or a growing file given as
// a config must be refused, not read until memory runs out or waited on for ever.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace chanload::env {

// The file's bytes, or nullopt when it does not exist. Throws ConfigError naming the file and what
// it holds (`what`, e.g. "a JSON config file") when it is not a regular file, holds more than
// limit_bytes, or cannot be read.
std::optional<std::string> read_small_file(const std::string& path, std::size_t limit_bytes,
                                           const std::string& what);

}  // namespace chanload::env
