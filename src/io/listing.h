// The objects of a File-mode channel: every regular file under its folder, recursively, in natural
// order (part-2 before part-10), hidden files and folders (names starting with '.') skipped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace chanload::io {

struct ListingOptions {
  // A symbolic link whose target lies outside the channel's folder (after the folder's own links
  // are resolved) is an error unless this is set: a link to /etc must not make a job read it.
  bool follow_links_outside_channel = false;
};

// Paths are the folder joined with each file's path below it. A missing folder is an empty channel
// (ShardedByS3Key with more hosts than objects leaves a host nothing). Symbolic links are followed;
// an object reached by several names (links, hard links, a link to a folder already listed) is
// listed once, under a name reached without a link where there is one, else the first in natural
// order; a link cycle is listed once. Throws IoError naming the path for anything that cannot be
// listed or is not an object: a folder that cannot be read (permissions), a dangling link, a FIFO,
// socket or device in the folder, a link outside the channel (see ListingOptions).
std::vector<std::string> list_channel_files(const std::string& folder, const ListingOptions& options = {});

// Natural order: runs of digits compare by value, everything else byte by byte.
bool natural_less(std::string_view a, std::string_view b);

}  // namespace chanload::io
