#pragma once
// `aaitictl up`: the stack started natively (a supervisor of local processes) or under Docker.
#include "commands/command.h"

namespace aaiti::cli {
std::unique_ptr<Command> make_up_command();
}
