// The chanload command's subcommands. Each registers its options on the CLI11 app and returns the
// function that runs it (its exit status).
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace chanload::cli {

using CommandRunner = std::function<int()>;

CommandRunner add_env_command(CLI::App& app);
CommandRunner add_cat_command(CLI::App& app);
CommandRunner add_pipe_feed_command(CLI::App& app);
CommandRunner add_read_command(CLI::App& app);
CommandRunner add_bench_command(CLI::App& app);

}  // namespace chanload::cli
