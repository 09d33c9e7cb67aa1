// The objects of a File-mode channel: every regular file under its folder, recursively, in natural
// order (part-2 before part-10), hidden files and folders (names starting with '.') skipped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace chanload::io {

// Paths are the folder joined with each file's path below it. A missing folder is an empty channel
// (ShardedByS3Key with more hosts than objects leaves a host nothing). Throws IoError when the
// folder cannot be read.
std::vector<std::string> list_channel_files(const std::string& folder);

// Natural order: runs of digits compare by value, everything else byte by byte.
bool natural_less(std::string_view a, std::string_view b);

}  // namespace chanload::io
