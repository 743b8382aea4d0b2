#pragma once
// `aaitictl logs`: see man/aaitictl-logs.1.
#include "commands/command.h"

namespace aaiti::cli {
std::unique_ptr<Command> make_logs_command();
}
