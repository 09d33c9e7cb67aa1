#include "io/listing.h"

#include <chanload/errors.h>

#include <algorithm>
#include <filesystem>

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

std::vector<std::string> list_channel_files(const std::string& folder) {
  namespace fs = std::filesystem;
  std::vector<std::string> relative;
  std::error_code error;
  if (!fs::exists(folder, error)) return {};
  if (!fs::is_directory(folder, error)) {
    throw IoError(folder + ": is not a folder: a File-mode channel's data is a folder of objects", folder);
  }
  fs::recursive_directory_iterator it(folder, fs::directory_options::follow_directory_symlink, error);
  if (error) throw IoError(folder + ": cannot list: " + error.message(), folder);
  for (; it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (error) throw IoError(folder + ": cannot list: " + error.message(), folder);
    const std::string name = it->path().filename().string();
    if (!name.empty() && name.front() == '.') {
      if (it->is_directory(error)) it.disable_recursion_pending();
      continue;
    }
    // Lexically: the iterator's paths start with folder as given. fs::relative would resolve every
    // path (a realpath per file) and name a symlinked object by its target's path.
    if (it->is_regular_file(error)) relative.push_back(it->path().lexically_relative(folder).string());
  }
  std::sort(relative.begin(), relative.end(), natural_less);
  std::vector<std::string> paths;
  paths.reserve(relative.size());
  const std::string base = folder.back() == '/' ? folder : folder + "/";
  for (const auto& path : relative) paths.push_back(base + path);
  return paths;
}

}  // namespace chanload::io
