#include "io/fifo_source.h"

#include <chanload/errors.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include "io/fd_waiter.h"
#include "io/stop_signal.h"

namespace chanload::io {
namespace {

using Clock = std::chrono::steady_clock;

std::string seconds_text(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

class FifoSource final : public ByteSource {
 public:
  FifoSource(std::string path, int fd, const FifoReadOptions& options, std::shared_ptr<StopSignal> stop)
      : path_(std::move(path)),
        fd_(fd),
        read_bytes_(std::min(options.read_bytes, options.chunk_bytes)),
        idle_timeout_(options.timeout),
        buffer_(options.chunk_bytes),
        waiter_(std::move(stop), options.stream_stop) {}
  ~FifoSource() override { ::close(fd_); }
  FifoSource(const FifoSource&) = delete;
  FifoSource& operator=(const FifoSource&) = delete;

  // Fills the buffer with what the pipe holds now (in reads well under the pipe size, which keeps
  // the writer running), waiting only while it has nothing at all.
  std::span<const std::byte> next() override {
    std::size_t filled = 0;
    while (!ended_ && filled + read_bytes_ <= buffer_.size()) {
      const ssize_t n = ::read(fd_, buffer_.data() + filled, read_bytes_);
      if (n > 0) {
        filled += static_cast<std::size_t>(n);
        offset_ += static_cast<std::uint64_t>(n);
        continue;
      }
      if (n == 0) {
        ended_ = true;  // the writer closed: end of this epoch
        break;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN) {
        throw IoError(path_ + ": read at byte " + std::to_string(offset_) + ": " + std::strerror(errno),
                      path_, offset_);
      }
      if (filled > 0) break;  // hand out what we have rather than wait
      // A writer that stalls must not hold the reader for ever: the same timeout as every FIFO wait.
      switch (waiter_.wait_readable(fd_, Clock::now() + idle_timeout_)) {
        case WaitResult::kReady:
          break;
        case WaitResult::kTimedOut:
          throw TimeoutError(path_ + ": the writer sent nothing for " + seconds_text(idle_timeout_) +
                                 " (after byte " + std::to_string(offset_) +
                                 "), and has not closed the FIFO: is it stalled?",
                             path_);
        case WaitResult::kStopped:
          throw StoppedError(path_ + ": stopped while reading at byte " + std::to_string(offset_));
      }
    }
    return {buffer_.data(), filled};
  }
  [[nodiscard]] const std::string& origin() const override { return path_; }

 private:
  std::string path_;
  int fd_;
  std::size_t read_bytes_;
  std::chrono::milliseconds idle_timeout_;
  std::vector<std::byte> buffer_;
  FdWaiter waiter_;
  std::uint64_t offset_ = 0;
  bool ended_ = false;
};

}  // namespace

std::size_t pipe_max_size() {
  std::ifstream in("/proc/sys/fs/pipe-max-size");
  std::size_t size = 0;
  if (in >> size && size > 0) return size;
  return std::size_t{1} << 20;
}

std::unique_ptr<ByteSource> open_fifo_source(const std::string& path, const FifoReadOptions& options) {
  auto stop = options.stop ? options.stop : std::make_shared<StopSignal>();
  FdWaiter waiter(stop, options.stream_stop);
  const auto started = Clock::now();
  const auto deadline = started + options.timeout;

  // 1. The platform creates <channel>_<N> when it is ready to write it: wait for it, polling with
  //    growing sleeps (a FIFO's creation cannot be waited on directly without inotify on a folder
  //    that may not exist yet either).
  auto sleep = std::chrono::milliseconds(5);
  while (true) {
    struct stat info {};
    if (::stat(path.c_str(), &info) == 0) {
      if (!S_ISFIFO(info.st_mode)) {
        throw IoError(
            path +
                " exists but is not a FIFO: is the channel really in Pipe mode? (in File mode its data is "
                "the folder without the _N suffix)",
            path);
      }
      break;
    }
    if (errno != ENOENT && errno != ENOTDIR) throw IoError(path + ": stat: " + std::strerror(errno), path);
    const auto now = Clock::now();
    if (now >= deadline) {
      throw TimeoutError(path + ": the FIFO did not appear within " + seconds_text(options.timeout), path);
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    if (waiter.sleep_for(std::min(sleep, left)) == WaitResult::kStopped) {
      throw StoppedError(path + ": stopped while waiting for the FIFO to appear");
    }
    sleep = std::min(sleep * 2, std::chrono::milliseconds(100));
  }

  // 2. Open without blocking (a blocking open would wait for a writer with no timeout), then wait for
  //    the writer's first bytes or its close. Linux reports neither before a writer has opened.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw IoError(path + ": cannot open: " + std::strerror(errno), path);
  // A larger pipe buffer lets the writer run ahead of us; refusals (EPERM past the limit) are harmless.
  const auto wanted = static_cast<int>(std::min<std::size_t>(pipe_max_size(), std::size_t{1} << 30));
  (void)::fcntl(fd, F_SETPIPE_SZ, wanted);

  switch (waiter.wait_readable(fd, deadline)) {
    case WaitResult::kReady:
      break;
    case WaitResult::kTimedOut:
      ::close(fd);
      // Linux shows neither a writer's open nor its presence before it writes: either no writer
      // opened the FIFO, or one did and has written nothing.
      throw TimeoutError(path + ": nothing arrived within " + seconds_text(options.timeout) +
                             " (the FIFO exists, but no writer opened it, or its writer wrote nothing)",
                         path);
    case WaitResult::kStopped:
      ::close(fd);
      throw StoppedError(path + ": stopped while waiting for the FIFO's writer");
  }
  return std::make_unique<FifoSource>(path, fd, options, stop);
}

}  // namespace chanload::io
