// The chanload command.
#include <chanload/errors.h>
#include <chanload/version.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <map>

#include "cli/commands.h"
#include "memory/cuda_device.h"

namespace {

std::string version_text() {
  const auto cuda = chanload::memory::probe_cuda();
  std::string text = std::string("chanload ") + chanload::kVersion;
  if (cuda.built_with_cuda) {
    text += " (CUDA runtime " + std::to_string(cuda.runtime_version / 1000) + "." +
            std::to_string((cuda.runtime_version % 1000) / 10) + ", " + std::to_string(cuda.device_count) +
            " device(s)";
    if (cuda.device_count == 0) text += ": " + cuda.reason;
    text += ")";
  } else {
    text += " (without CUDA)";
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"chanload: training data for SageMaker-style training containers"};
  app.require_subcommand(1);
  app.set_version_flag("--version", version_text);

  std::map<std::string, chanload::cli::CommandRunner> runners;
  runners["env"] = chanload::cli::add_env_command(app);
  runners["cat"] = chanload::cli::add_cat_command(app);
  runners["pipe-feed"] = chanload::cli::add_pipe_feed_command(app);
  runners["read"] = chanload::cli::add_read_command(app);
  runners["bench"] = chanload::cli::add_bench_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    for (const auto* command : app.get_subcommands()) {
      return runners.at(command->get_name())();
    }
  } catch (const chanload::Error& e) {
    std::cerr << "chanload: " << e.what() << '\n';
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "chanload: unexpected error: " << e.what() << '\n';
    return 70;
  }
  return 0;
}
