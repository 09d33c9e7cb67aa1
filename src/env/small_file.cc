#include "env/small_file.h"

#include <chanload/errors.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace chanload::env {

std::optional<std::string> read_small_file(const std::string& path, std::size_t limit_bytes,
                                           const std::string& what) {
  // O_NONBLOCK: opening a FIFO does not wait for a writer; the type is checked on the open file,
  // so what is read is what was checked.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    if (error == ENOENT || error == ENOTDIR) return std::nullopt;
    throw ConfigError(path + ": cannot open: " + std::strerror(error), path);
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat info {};
  if (::fstat(fd, &info) != 0) throw ConfigError(path + ": cannot read: " + std::strerror(errno), path);
  if (S_ISDIR(info.st_mode)) throw ConfigError(path + ": is a directory, expected " + what, path);
  if (!S_ISREG(info.st_mode)) {
    throw ConfigError(path + ": not a regular file (a device, FIFO or socket), expected " + what, path);
  }
  const auto too_large = [&] {
    return ConfigError(
        path + ": larger than " + std::to_string(limit_bytes) + " bytes, the limit for " + what, path);
  };
  if (static_cast<std::uintmax_t>(info.st_size) > limit_bytes) throw too_large();
  std::string text;
  text.resize(std::min<std::size_t>(static_cast<std::size_t>(info.st_size), limit_bytes) + 1);
  std::size_t used = 0;
  while (true) {
    if (used == text.size()) {
      if (text.size() > limit_bytes) throw too_large();  // grew past the limit while read
      text.resize(std::min(text.size() * 2, limit_bytes + 1));
    }
    const ssize_t n = ::read(fd, text.data() + used, text.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw ConfigError(path + ": read failed: " + std::strerror(errno), path);
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  if (used > limit_bytes) throw too_large();
  text.resize(used);
  return text;
}

}  // namespace chanload::env
