#include "io/fifo_feeder.h"

#include <chanload/errors.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <span>
#include <thread>

#include "io/fifo_source.h"
#include "io/gzip_writer.h"
#include "io/stop_signal.h"

namespace chanload::io {
namespace {

struct FdCloser {
  int fd;
  ~FdCloser() { ::close(fd); }
};

void write_all(int fd, const std::string& fifo, std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw IoError(fifo + ": write: " + std::strerror(errno) +
                        (errno == EPIPE ? " (the reader closed the FIFO before the epoch ended)" : ""),
                    fifo);
    }
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
}

// Opens the FIFO for writing once a reader has it open. Opening for writing blocks until a reader
// comes, so it polls with O_NONBLOCK (ENXIO: no reader yet) to keep a deadline and a way to stop.
int open_for_writing(const std::string& fifo, const FifoFeedOptions& options) {
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  while (true) {
    const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);  // blocking writes from here on
      (void)::fcntl(fd, F_SETPIPE_SZ, static_cast<int>(pipe_max_size()));
      return fd;
    }
    if (errno != ENXIO) throw IoError(fifo + ": cannot open for writing: " + std::strerror(errno), fifo);
    if (options.stop && options.stop->stop_requested()) {
      throw StoppedError(fifo + ": stopped while waiting for a reader");
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      const auto ms = options.timeout.count();
      throw TimeoutError(fifo + ": no reader opened the FIFO within " +
                             (ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms"),
                         fifo);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

// The FIFO being fed, for remove_fed_fifo_from_signal_handler: a fixed buffer (no allocation in a
// handler) published with a flag.
char g_fed_fifo[4096];
std::atomic<bool> g_fed_fifo_set{false};

}  // namespace

void remove_fed_fifo_from_signal_handler() noexcept {
  if (g_fed_fifo_set.load(std::memory_order_acquire)) ::unlink(g_fed_fifo);
}

void feed_fifo(const std::string& fifo, const std::vector<std::string>& files,
               const FifoFeedOptions& options) {
  // SIGINT and SIGTERM wait while the FIFO is made and published: one that came between the two
  // (a loaded machine preempting the feeder there) ended pipe-feed with the FIFO left behind, and
  // the next feeder's mkfifo failed with "File exists".
  sigset_t stopping;
  sigset_t before;
  sigemptyset(&stopping);
  sigaddset(&stopping, SIGINT);
  sigaddset(&stopping, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stopping, &before);
  if (::mkfifo(fifo.c_str(), 0600) != 0) {
    const int error = errno;
    pthread_sigmask(SIG_SETMASK, &before, nullptr);
    throw IoError(fifo + ": mkfifo: " + std::strerror(error), fifo);
  }
  const bool publish = fifo.size() < sizeof g_fed_fifo && !g_fed_fifo_set.load(std::memory_order_acquire);
  if (publish) {
    std::memcpy(g_fed_fifo, fifo.c_str(), fifo.size() + 1);
    g_fed_fifo_set.store(true, std::memory_order_release);
  }
  pthread_sigmask(SIG_SETMASK, &before, nullptr);
  struct Unlinker {
    const std::string& path;
    bool published;
    ~Unlinker() {
      if (published) g_fed_fifo_set.store(false, std::memory_order_release);
      ::unlink(path.c_str());
    }
  } unlinker{fifo, publish};

  const FdCloser out{open_for_writing(fifo, options)};
  std::vector<std::byte> buffer(std::size_t{1} << 20);
  GzipWriter gzip([&](std::span<const std::byte> bytes) { write_all(out.fd, fifo, bytes); });
  for (const auto& file : files) {
    const FdCloser in{::open(file.c_str(), O_RDONLY | O_CLOEXEC)};
    if (in.fd < 0) throw IoError(file + ": cannot open: " + std::strerror(errno), file);
    while (true) {
      const ssize_t n = ::read(in.fd, buffer.data(), buffer.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        throw IoError(file + ": read: " + std::strerror(errno), file);
      }
      if (n == 0) break;
      const std::span<const std::byte> piece(buffer.data(), static_cast<std::size_t>(n));
      if (options.gzip) {
        gzip.write(piece);
      } else {
        write_all(out.fd, fifo, piece);
      }
    }
    if (options.gzip) gzip.finish_member();  // one gzip member per file, as concatenated objects would be
  }
}

}  // namespace chanload::io
