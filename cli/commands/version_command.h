#pragma once
// `aaitictl version`: our version, the git revision and the versions of the libraries we run on.
#include <memory>
#include <string>

#include "commands/command.h"
#include "global_options.h"

namespace aaiti::cli {

// "aaitictl 0.1.0 (git 1a2b3c4d5e6f)": what `--version` prints.
std::string version_line();

int run_version_command(const GlobalOptions& options);

// The `version` subcommand (no flags of its own).
std::unique_ptr<Command> make_version_command();

}  // namespace aaiti::cli
