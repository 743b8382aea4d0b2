#pragma once
// `aaitictl version`: our version, the git revision and the versions of the libraries we run on.
#include <string>

#include "global_options.h"

namespace aaiti::cli {

// "aaitictl 0.1.0 (git 1a2b3c4d5e6f)": what `--version` prints.
std::string version_line();

int run_version_command(const GlobalOptions& options);

}  // namespace aaiti::cli
