#pragma once
// `aaitictl init [--force] [PATH]`: writes a commented aaiti.yaml holding the seed stack's defaults.
#include <memory>

#include "commands/command.h"

namespace aaiti::cli {

std::unique_ptr<Command> make_init_command();

}  // namespace aaiti::cli
