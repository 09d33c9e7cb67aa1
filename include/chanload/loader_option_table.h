// The one table of the loader's options: each option's name, kind, choices, default and meaning,
// and the one way a value given by a user becomes a LoaderOptions field. `chanload read` registers
// its flags from it (--name, '_' spelled '-'), Python's chanload.Loader takes its keywords and its
// signature from it, and C++ code that takes options as text (a config file, a command line of its
// own) can use it too: a name, a default, a spelling or a range is written once, here.
#pragma once

#include <chanload/loader_options.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace chanload {

// What a value of an option is, in every spelling of it.
enum class LoaderOptionKind {
  kFlag,       // true or false (the command: --name / --no-name)
  kCount,      // a whole number, 0..2^64-1 (narrower ranges are the option's own)
  kSeconds,    // a number of seconds in (0, 1e9]
  kCharacter,  // one character
  kChoice,     // one of `choices`
  kText,       // any text (a device name)
  kState,      // a LoaderState as JSON (the command takes a file that holds it)
};

struct LoaderOptionSpec {
  std::string_view name;  // the C++ field's and Python keyword's name; --name-with-dashes on the command
  LoaderOptionKind kind;
  // kChoice: the spellings taken, the ones to_string gives. Empty for other kinds.
  std::span<const std::string_view> choices;
  // The default as text (a LoaderOptions{} value in its spelling); empty: none, the loader decides
  // (from the job, the channel's ContentType or the machine), as `help` says.
  std::string_view default_text;
  // Other names the command takes ("--memory-budget"; "!--empty-is-error" sets a flag false).
  std::string_view command_aliases;
  std::string_view help;
};

// Every option, in the order the command's --help lists them.
[[nodiscard]] std::span<const LoaderOptionSpec> loader_option_specs();
// The option named `name`, or nullptr.
[[nodiscard]] const LoaderOptionSpec* find_loader_option(std::string_view name);
// "--memory-budget-bytes" for "memory_budget_bytes".
[[nodiscard]] std::string command_flag(std::string_view name);

// A value as a user gave it: a flag, a count, seconds, or text (a character, a choice, a device, a
// state's JSON). A count's text ("64") is taken where a count is expected, and so on: see set().
using LoaderOptionValue = std::variant<bool, std::uint64_t, double, std::string>;

// Options given one by one (in any order), then built: what depends on two options (drop_last and
// last_batch) is decided once every option is in.
class LoaderOptionsBuilder {
 public:
  LoaderOptionsBuilder() = default;
  explicit LoaderOptionsBuilder(LoaderOptions start) : options_(std::move(start)) {}

  // Throws ConfigError naming the option and what it takes: an unknown name, a value of another
  // kind, text that does not parse (a kCount or kSeconds option also takes its number as text), a
  // choice not among the choices, a number out of the option's range.
  void set(std::string_view name, const LoaderOptionValue& value);
  // Throws ConfigError for a contradiction between options (drop_last against last_batch).
  [[nodiscard]] LoaderOptions build() const;

 private:
  LoaderOptions options_;
  std::optional<LastBatch> last_batch_;
  bool drop_last_ = false;
};

// The option's value in `options` in its spelling ("1024", "true", "keep", "File"); empty where the
// option is unset (an optional left to the loader) or, for resume, absent.
[[nodiscard]] std::string loader_option_text(const LoaderOptions& options, std::string_view name);

}  // namespace chanload
