// chanload pipe-feed: the platform's part of Pipe mode, for local runs and tests. For each epoch it
// creates input/data/<channel>_<N>, waits for a reader, writes the files into it in order, closes
// and removes it.
#include <chanload/errors.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "env/channel_config.h"
#include "io/fifo_source.h"
#include "io/gzip_writer.h"

namespace chanload::cli {
namespace {

struct FeedOptions {
  std::string root;
  std::string channel;
  std::uint64_t epochs = 1;
  std::uint64_t start_epoch = 0;
  bool gzip = false;
  double timeout_seconds = 600;
  std::vector<std::string> files;
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

// Opens the FIFO for writing once a reader has it open, polling so the wait has a deadline.
int open_for_writing(const std::string& fifo, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);  // blocking writes from here on
      (void)::fcntl(fd, F_SETPIPE_SZ, static_cast<int>(io::pipe_max_size()));
      return fd;
    }
    if (errno != ENXIO) throw IoError(fifo + ": cannot open for writing: " + std::strerror(errno), fifo);
    if (std::chrono::steady_clock::now() >= deadline) {
      throw TimeoutError(
          fifo + ": no reader opened the FIFO within " + std::to_string(timeout.count() / 1000) + " s", fifo);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

void feed_epoch(const std::string& fifo, const FeedOptions& options, std::vector<std::byte>& buffer) {
  if (::mkfifo(fifo.c_str(), 0600) != 0) throw IoError(fifo + ": mkfifo: " + std::strerror(errno), fifo);
  struct Cleanup {
    const std::string& path;
    ~Cleanup() { ::unlink(path.c_str()); }
  } cleanup{fifo};

  const int fd = open_for_writing(
      fifo, std::chrono::milliseconds(static_cast<long long>(options.timeout_seconds * 1000)));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  io::GzipWriter gzip([&](std::span<const std::byte> bytes) { write_all(fd, fifo, bytes); });
  for (const auto& file : options.files) {
    const int in = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) throw IoError(file + ": cannot open: " + std::strerror(errno), file);
    struct InCloser {
      int fd;
      ~InCloser() { ::close(fd); }
    } in_closer{in};
    while (true) {
      const ssize_t n = ::read(in, buffer.data(), buffer.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        throw IoError(file + ": read: " + std::strerror(errno), file);
      }
      if (n == 0) break;
      const std::span<const std::byte> piece(buffer.data(), static_cast<std::size_t>(n));
      if (options.gzip) {
        gzip.write(piece);
      } else {
        write_all(fd, fifo, piece);
      }
    }
    if (options.gzip) gzip.finish_member();  // one gzip member per file, as concatenated objects would be
  }
}

int run_pipe_feed(const FeedOptions& options) {
  std::signal(SIGPIPE, SIG_IGN);
  if (std::string why = env::check_channel_name(options.channel); !why.empty()) {
    throw ConfigError("channel \"" + options.channel + "\": " + why);
  }
  for (const auto& file : options.files) {
    if (!std::filesystem::is_regular_file(file)) throw IoError(file + ": not a readable file", file);
  }
  const std::filesystem::path data_dir = std::filesystem::path(options.root) / "input" / "data";
  std::filesystem::create_directories(data_dir);
  std::vector<std::byte> buffer(std::size_t{1} << 20);
  for (std::uint64_t epoch = options.start_epoch; epoch < options.start_epoch + options.epochs; ++epoch) {
    feed_epoch((data_dir / (options.channel + "_" + std::to_string(epoch))).string(), options, buffer);
  }
  return 0;
}

}  // namespace

CommandRunner add_pipe_feed_command(CLI::App& app) {
  auto options = std::make_shared<FeedOptions>();
  CLI::App* command = app.add_subcommand(
      "pipe-feed",
      "Play the platform's part in Pipe mode: per epoch, create <root>/input/data/<channel>_<N>, "
      "write the files into it in order, close and remove it");
  command->add_option("--root", options->root, "Job base directory")->required();
  command->add_option("--channel", options->channel, "Channel name")->required();
  command->add_option("--epochs", options->epochs, "Epochs to feed")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--start-epoch", options->start_epoch, "Index of the first FIFO")
      ->capture_default_str();
  command->add_flag("--gzip", options->gzip, "Compress each file as a gzip member on the way");
  command->add_option("--timeout", options->timeout_seconds, "Seconds to wait for a reader, per epoch")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("files", options->files, "Files to write, in this order")->required();
  return [options] { return run_pipe_feed(*options); };
}

}  // namespace chanload::cli
