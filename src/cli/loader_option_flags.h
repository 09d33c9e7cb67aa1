// The loader's options as a command's flags, registered from the one option table
// (chanload/loader_option_table.h): --name for each, its help, default and check from the table.
#pragma once

#include <chanload/loader_option_table.h>

#include <CLI/CLI.hpp>
#include <deque>
#include <initializer_list>
#include <string>
#include <string_view>

namespace chanload::cli {

class LoaderOptionFlags {
 public:
  // Registers a flag for each option named in `names` (every option when empty) on `command`.
  // Flags are --name / --no-name; resume takes the path of a file holding a state.
  void add_to(CLI::App& command, std::initializer_list<std::string_view> names = {});
  // `start` with the options given on the command line set on it, through the table's builder.
  [[nodiscard]] LoaderOptions options(LoaderOptions start = {}) const;

 private:
  struct Flag {
    const LoaderOptionSpec* spec = nullptr;
    CLI::Option* option = nullptr;
    bool value = false;  // kFlag
    std::string text;    // every other kind
  };
  std::deque<Flag> flags_;  // CLI11 keeps pointers to value and text: they must not move
};

}  // namespace chanload::cli
