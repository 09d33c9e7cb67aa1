// chanload env: the job's SM_* variables as the SageMaker training toolkit computes them.
#include <chanload/environment.h>
#include <chanload/value.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/shell_quote.h"

namespace chanload::cli {
namespace {

struct EnvOptions {
  std::string root;
  std::string format = "json";
};

int run_env(const EnvOptions& options) {
  EnvironmentOptions load_options;
  if (!options.root.empty()) load_options.root = options.root;
  const Environment environment = Environment::load(load_options);
  const auto variables = environment.to_env_vars();

  if (options.format == "json") {
    Value object = Value::dict();
    for (const auto& [name, value] : variables) object.set(name, Value::string(value));
    std::cout << object.to_json() << '\n';
  } else if (options.format == "env") {
    // A hyperparameter's name becomes part of a variable's name (SM_HP_<NAME>). A name a shell cannot
    // assign to would be eval'ed as a command, so it is left out, said on stderr; its value is still
    // in SM_HPS and in --format json.
    for (const auto& [name, value] : variables) {
      if (is_shell_name(name)) {
        std::cout << name << '=' << shell_quote(value) << '\n';
      } else {
        std::cerr << "chanload env: " << shell_quote(name)
                  << " is not a shell variable name; left out (its value is in SM_HPS)\n";
      }
    }
  } else {
    std::string line;
    for (const auto& arg : environment.to_cmd_args()) {
      if (!line.empty()) line.push_back(' ');
      line += shell_quote(arg);
    }
    std::cout << line << '\n';
  }
  std::cout.flush();
  return std::cout ? 0 : 1;
}

}  // namespace

CommandRunner add_env_command(CLI::App& app) {
  auto options = std::make_shared<EnvOptions>();
  CLI::App* command = app.add_subcommand(
      "env", "Print the job's SM_* variables exactly as the SageMaker training toolkit computes them");
  command->add_option("--root", options->root,
                      "Job base directory (default: $SAGEMAKER_BASE_DIR, else /opt/ml)");
  command
      ->add_option("--format", options->format,
                   "json: one object of SM_* names to values; env: NAME='value' lines for a POSIX "
                   "shell; args: the hyperparameters as shell-quoted command-line arguments")
      ->check(CLI::IsMember({"json", "env", "args"}))
      ->capture_default_str();
  return [options] { return run_env(*options); };
}

}  // namespace chanload::cli
