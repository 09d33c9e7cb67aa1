#include "cli/loader_option_flags.h"

#include <chanload/errors.h>

#include <algorithm>

#include "env/small_file.h"

namespace chanload::cli {
namespace {

std::string read_state_file(const std::string& path) {
  constexpr std::size_t kMaxStateBytes = std::size_t{1} << 20;  // a state is a few hundred bytes
  auto text = env::read_small_file(path, kMaxStateBytes, "a loader state (JSON)");
  if (!text) throw ConfigError(path + ": no such file: the resume state", path);
  return std::move(*text);
}

std::string type_name(const LoaderOptionSpec& spec) {
  switch (spec.kind) {
    case LoaderOptionKind::kCount:
      return "UINT";
    case LoaderOptionKind::kSeconds:
      return "SECONDS";
    case LoaderOptionKind::kCharacter:
      return "CHAR";
    case LoaderOptionKind::kChoice: {
      std::string choices;
      for (const std::string_view choice : spec.choices)
        choices += (choices.empty() ? "" : "|") + std::string(choice);
      return "{" + choices + "}";
    }
    case LoaderOptionKind::kState:
      return "FILE";
    case LoaderOptionKind::kFlag:
    case LoaderOptionKind::kText:
      break;
  }
  return "TEXT";
}

// The table's own parse as the command's check: the same message in the command and in Python,
// reported by CLI11 with the usage.
CLI::Validator table_check(const LoaderOptionSpec& spec) {
  return CLI::Validator(
      [name = spec.name](std::string& text) -> std::string {
        try {
          LoaderOptionsBuilder scratch;
          scratch.set(name, text);
        } catch (const ConfigError& e) {
          // CLI11 puts the flag's name first: the table's "loader option NAME: " would repeat it.
          std::string message = e.what();
          const std::string prefix = "loader option " + std::string(name) + ": ";
          if (message.starts_with(prefix)) message.erase(0, prefix.size());
          return message;
        }
        return {};
      },
      "");
}

}  // namespace

void LoaderOptionFlags::add_to(CLI::App& command, std::initializer_list<std::string_view> names) {
  for (const LoaderOptionSpec& spec : loader_option_specs()) {
    if (names.size() != 0 && std::find(names.begin(), names.end(), spec.name) == names.end()) continue;
    Flag& flag = flags_.emplace_back();
    flag.spec = &spec;
    const std::string long_name = command_flag(spec.name);
    std::string all_names = long_name;
    std::string help(spec.help);
    if (spec.kind == LoaderOptionKind::kFlag) {
      all_names += ",!--no-" + long_name.substr(2);
      if (!spec.default_text.empty()) help += " [default: " + std::string(spec.default_text) + "]";
    }
    if (!spec.command_aliases.empty()) all_names += "," + std::string(spec.command_aliases);
    if (spec.kind == LoaderOptionKind::kFlag) {
      flag.option = command.add_flag(all_names, flag.value, help);
      continue;
    }
    flag.option = command.add_option(all_names, flag.text, help)->type_name(type_name(spec));
    if (!spec.default_text.empty()) flag.option->default_str(std::string(spec.default_text));
    if (spec.kind != LoaderOptionKind::kState) flag.option->check(table_check(spec));
  }
}

LoaderOptions LoaderOptionFlags::options(LoaderOptions start) const {
  LoaderOptionsBuilder builder(std::move(start));
  for (const Flag& flag : flags_) {
    if (flag.option->count() == 0) continue;
    if (flag.spec->kind == LoaderOptionKind::kFlag) {
      builder.set(flag.spec->name, flag.value);
    } else if (flag.spec->kind == LoaderOptionKind::kState) {
      builder.set(flag.spec->name, read_state_file(flag.text));
    } else {
      builder.set(flag.spec->name, flag.text);
    }
  }
  return builder.build();
}

}  // namespace chanload::cli
