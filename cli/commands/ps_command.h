#pragma once
// `aaitictl ps`: see man/aaitictl-ps.1.
#include "commands/command.h"

namespace aaiti::cli {
std::unique_ptr<Command> make_ps_command();
}
