// chanload pipe-feed: the platform's part of Pipe mode, for local runs and tests. For each epoch it
// creates input/data/<channel>_<N>, waits for a reader, writes the files into it in order, closes
// and removes it.
#include <chanload/errors.h>
#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <memory>
#include <vector>

#include "cli/commands.h"
#include "cli/whole_number.h"
#include "env/channel_config.h"
#include "io/fifo_feeder.h"

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

// SIGTERM and SIGINT remove the FIFO being fed, then end the process as the signal would.
extern "C" void remove_fifo_and_die(int signal_number) {
  io::remove_fed_fifo_from_signal_handler();
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

int run_pipe_feed(const FeedOptions& options) {
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGTERM, remove_fifo_and_die);
  std::signal(SIGINT, remove_fifo_and_die);
  if (std::string why = env::check_channel_name(options.channel); !why.empty()) {
    throw ConfigError("channel \"" + options.channel + "\": " + why);
  }
  for (const auto& file : options.files) {
    if (!std::filesystem::is_regular_file(file)) throw IoError(file + ": not a readable file", file);
  }
  const std::filesystem::path data_dir = std::filesystem::path(options.root) / "input" / "data";
  std::filesystem::create_directories(data_dir);
  io::FifoFeedOptions feed;
  feed.gzip = options.gzip;
  feed.timeout = std::chrono::milliseconds(static_cast<long long>(options.timeout_seconds * 1000));
  for (std::uint64_t epoch = options.start_epoch; epoch < options.start_epoch + options.epochs; ++epoch) {
    io::feed_fifo((data_dir / (options.channel + "_" + std::to_string(epoch))).string(), options.files, feed);
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
      ->capture_default_str()
      ->check(whole_number());
  command->add_option("--start-epoch", options->start_epoch, "Index of the first FIFO")
      ->capture_default_str()
      ->check(whole_number());
  command->add_flag("--gzip", options->gzip, "Compress each file as a gzip member on the way");
  command->add_option("--timeout", options->timeout_seconds, "Seconds to wait for a reader, per epoch")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("files", options->files, "Files to write, in this order")->required();
  return [options] { return run_pipe_feed(*options); };
}

}  // namespace chanload::cli
