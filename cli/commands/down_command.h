#pragma once
// `aaitictl down`: see man/aaitictl-down.1.
#include "commands/command.h"

namespace aaiti::cli {
std::unique_ptr<Command> make_down_command();
}
