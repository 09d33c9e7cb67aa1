// chanload cat: a channel's decompressed bytes on standard output, epoch after epoch.
#include <chanload/environment.h>
#include <chanload/errors.h>
#include <chanload/loader_options.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>

#include "cli/commands.h"
#include "cli/loader_option_flags.h"
#include "cli/whole_number.h"
#include "io/channel_source.h"

namespace chanload::cli {
namespace {

struct CatOptions {
  std::string root;
  std::string channel;
  LoaderOptionFlags loader;  // --epochs, --mode, --pipe-timeout, --follow-links-outside-channel
  std::uint64_t start_epoch = 0;
  std::string io = "auto";
  std::string decompress = "auto";
};

// Writes everything, or returns false when the reader went away (EPIPE: `chanload cat | head`).
bool write_all(std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(STDOUT_FILENO, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE) return false;
      throw IoError(std::string("standard output: ") + std::strerror(errno), "stdout");
    }
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return true;
}

int run_cat(const CatOptions& options) {
  std::signal(SIGPIPE, SIG_IGN);
  EnvironmentOptions env_options;
  if (!options.root.empty()) env_options.root = options.root;
  env_options.probe_devices = false;
  const Environment environment = Environment::load(env_options);

  const LoaderOptions loader = options.loader.options();
  io::ChannelReadOptions read;
  read.epochs = loader.epochs;
  read.start_epoch = options.start_epoch;
  read.pipe_timeout = loader.pipe_timeout;
  read.mode = loader.mode;
  read.listing.follow_links_outside_channel = loader.follow_links_outside_channel;
  if (options.io == "pread") read.backend = io::IoBackend::kPread;
  if (options.io == "io_uring") read.backend = io::IoBackend::kIoUring;
  if (options.decompress == "none") read.compression = io::CompressionMode::kNone;
  if (options.decompress == "gzip") read.compression = io::CompressionMode::kGzip;
  if (options.decompress == "zstd") read.compression = io::CompressionMode::kZstd;

  io::ChannelSource source(environment, options.channel, read);
  while (auto chunk = source.next()) {
    if (!write_all(chunk->bytes)) return 0;
  }
  return 0;
}

}  // namespace

CommandRunner add_cat_command(CLI::App& app) {
  auto options = std::make_shared<CatOptions>();
  CLI::App* command = app.add_subcommand(
      "cat",
      "Write a channel's bytes, decompressed, to standard output (File mode: every file in natural "
      "order, once per epoch; Pipe mode: the FIFO <channel>_<N> for epoch N)");
  command->add_option("--channel", options->channel, "Channel name")->required();
  command->add_option("--root", options->root,
                      "Job base directory (default: $SAGEMAKER_BASE_DIR, else /opt/ml)");
  command->add_option("--start-epoch", options->start_epoch, "First epoch (Pipe mode: first FIFO index)")
      ->capture_default_str()
      ->check(whole_number());
  options->loader.add_to(*command, {"epochs", "mode", "pipe_timeout", "follow_links_outside_channel"});
  command->add_option("--io", options->io, "File reads: auto, io_uring or pread")
      ->check(CLI::IsMember({"auto", "io_uring", "pread"}))
      ->capture_default_str();
  command->add_option("--decompress", options->decompress, "auto (from the bytes), none, gzip or zstd")
      ->check(CLI::IsMember({"auto", "none", "gzip", "zstd"}))
      ->capture_default_str();
  return [options] { return run_cat(*options); };
}

}  // namespace chanload::cli
