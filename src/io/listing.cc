#include "io/listing.h"

#include <chanload/errors.h>

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

namespace chanload::io {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool natural_less(std::string_view a, std::string_view b) {
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      std::size_t end_a = i;
      std::size_t end_b = j;
      while (end_a < a.size() && is_digit(a[end_a])) ++end_a;
      while (end_b < b.size() && is_digit(b[end_b])) ++end_b;
      // Compare by value: strip leading zeros, then the longer run is larger.
      std::size_t start_a = i;
      std::size_t start_b = j;
      while (start_a + 1 < end_a && a[start_a] == '0') ++start_a;
      while (start_b + 1 < end_b && b[start_b] == '0') ++start_b;
      const auto run_a = a.substr(start_a, end_a - start_a);
      const auto run_b = b.substr(start_b, end_b - start_b);
      if (run_a.size() != run_b.size()) return run_a.size() < run_b.size();
      if (run_a != run_b) return run_a < run_b;
      if (end_a - i != end_b - j) return end_a - i < end_b - j;  // "02" after "2": a total order
      i = end_a;
      j = end_b;
      continue;
    }
    if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

namespace {

struct FileId {
  dev_t device;
  ino_t inode;
  bool operator<(const FileId& other) const {
    return device != other.device ? device < other.device : inode < other.inode;
  }
};

struct Listed {
  std::string relative;  // below the channel's folder, as reached
  FileId id;
  bool through_link;  // some part of the path is a symbolic link
};

std::string errno_text(int error) { return std::strerror(error); }

class ChannelWalk {
 public:
  ChannelWalk(std::string base, std::string canonical_root, const ListingOptions& options)
      : base_(std::move(base)), root_(std::move(canonical_root)), options_(options) {}

  // Lists the folder at relative (empty: the channel's folder). Folders reached through a link wait
  // until every folder reached without one is listed, so that the plain name of a linked folder wins.
  void walk(const std::string& relative, bool through_link) {
    const std::string path = base_ + relative;
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) {
      const int error = errno;
      throw IoError(path + ": cannot list the channel's folder: " + errno_text(error), path);
    }
    std::vector<std::string> names;
    errno = 0;
    while (const dirent* entry = ::readdir(dir)) {
      const std::string_view name = entry->d_name;
      if (!name.empty() && name.front() != '.') names.emplace_back(name);  // hidden, "." and ".."
      errno = 0;
    }
    const int read_error = errno;
    ::closedir(dir);
    if (read_error != 0) throw IoError(path + ": cannot list: " + errno_text(read_error), path);
    std::sort(names.begin(), names.end(), natural_less);
    for (const std::string& name : names) visit(relative + name, through_link);
  }

  void walk_linked_folders() {
    while (!linked_folders_.empty()) {
      auto pending = std::move(linked_folders_);
      linked_folders_.clear();
      std::sort(pending.begin(), pending.end(),
                [](const auto& a, const auto& b) { return natural_less(a.first, b.first); });
      for (const auto& [relative, id] : pending) {
        if (!folders_.insert(id).second) continue;  // listed already, or a cycle
        walk(relative + "/", true);
      }
    }
  }

  std::vector<Listed>& listed() { return listed_; }

  void mark_root(const FileId& id) { folders_.insert(id); }

 private:
  void visit(const std::string& relative, bool through_link) {
    const std::string path = base_ + relative;
    struct stat link_info {};
    if (::lstat(path.c_str(), &link_info) != 0) {
      const int error = errno;
      throw IoError(path + ": cannot read: " + errno_text(error), path);
    }
    const bool is_link = S_ISLNK(link_info.st_mode);
    struct stat info = link_info;
    if (is_link) {
      if (::stat(path.c_str(), &info) != 0) {
        const int error = errno;
        throw IoError(path + ": a symbolic link whose target cannot be read (" + errno_text(error) + ")",
                      path);
      }
      check_inside(path);
    }
    const FileId id{info.st_dev, info.st_ino};
    if (S_ISDIR(info.st_mode)) {
      if (is_link || through_link) {
        linked_folders_.emplace_back(relative, id);
      } else if (folders_.insert(id).second) {
        walk(relative + "/", false);
      }
    } else if (S_ISREG(info.st_mode)) {
      listed_.push_back(Listed{relative, id, is_link || through_link});
    } else {
      throw IoError(path +
                        ": not a regular file or folder (a FIFO, socket or device): a File-mode "
                        "channel holds objects",
                    path);
    }
  }

  void check_inside(const std::string& path) const {
    if (options_.follow_links_outside_channel) return;
    std::error_code error;
    const std::string target = std::filesystem::canonical(path, error).string();
    if (error) throw IoError(path + ": cannot resolve the symbolic link: " + error.message(), path);
    const bool inside = target == root_ || (target.size() > root_.size() && target.starts_with(root_) &&
                                            target[root_.size()] == '/');
    if (!inside) {
      throw IoError(path + ": a symbolic link to " + target + ", outside the channel's folder " + root_ +
                        " (follow_links_outside_channel allows it)",
                    path);
    }
  }

  std::string base_;
  std::string root_;
  const ListingOptions& options_;
  std::set<FileId> folders_;
  std::vector<std::pair<std::string, FileId>> linked_folders_;
  std::vector<Listed> listed_;
};

}  // namespace

std::vector<std::string> list_channel_files(const std::string& folder, const ListingOptions& options) {
  struct stat info {};
  if (::stat(folder.c_str(), &info) != 0) {
    const int error = errno;
    if (error == ENOENT) return {};  // no such channel folder: an empty channel
    throw IoError(folder + ": cannot read the channel's folder: " + errno_text(error), folder);
  }
  if (!S_ISDIR(info.st_mode)) {
    throw IoError(folder + ": is not a folder: a File-mode channel's data is a folder of objects", folder);
  }
  std::error_code error;
  const std::string root = std::filesystem::canonical(folder, error).string();
  if (error) throw IoError(folder + ": cannot resolve the channel's folder: " + error.message(), folder);
  const std::string base = folder.back() == '/' ? folder : folder + "/";
  ChannelWalk walk(base, root, options);
  walk.mark_root(FileId{info.st_dev, info.st_ino});
  walk.walk("", false);
  walk.walk_linked_folders();

  // Every name reached without a symbolic link is listed, hard links included: each is an object the
  // channel holds (as two S3 keys with the same bytes would be). A name reached through a link is
  // dropped when its object is listed already, under a plain name or an earlier link (natural
  // order): that is what makes `ln -s v3 latest` deliver v3 once.
  auto& listed = walk.listed();
  std::sort(listed.begin(), listed.end(), [](const Listed& a, const Listed& b) {
    if (a.through_link != b.through_link) return !a.through_link;
    return natural_less(a.relative, b.relative);
  });
  std::set<FileId> seen;
  std::vector<std::string> relative;
  for (const Listed& file : listed) {
    if (seen.insert(file.id).second || !file.through_link) relative.push_back(file.relative);
  }
  std::sort(relative.begin(), relative.end(), natural_less);
  std::vector<std::string> paths;
  paths.reserve(relative.size());
  for (const auto& path : relative) paths.push_back(base + path);
  return paths;
}

}  // namespace chanload::io
