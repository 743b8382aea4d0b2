#pragma once
// `aaitictl restart`: see man/aaitictl-restart.1.
#include "commands/command.h"

namespace aaiti::cli {
std::unique_ptr<Command> make_restart_command();
}
