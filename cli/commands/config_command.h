#pragma once
// `aaitictl config show|check`: the effective configuration (flags > environment > stack file >
// defaults) and whether it is valid. Both throw ConfigError (exit 78) naming the bad key.
#include <memory>

#include "commands/command.h"
#include "global_options.h"

namespace aaiti::cli {

// Every known key with its value (secrets masked), source and origin.
int run_config_show_command(const GlobalOptions& options);

// Loads and validates the configuration; prints a one-line verdict. Exit 0 or 78.
int run_config_check_command(const GlobalOptions& options);

// The `config` subcommand with its `show` and `check` subcommands (one of them required).
std::unique_ptr<Command> make_config_command();

}  // namespace aaiti::cli
