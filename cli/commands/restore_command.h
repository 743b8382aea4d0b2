#pragma once
// `aaitictl restore (ID | --latest | --at TIME) --db URL`: see man/aaitictl-restore.1.
#include <memory>

#include "commands/command.h"

namespace aaiti::cli {

std::unique_ptr<Command> make_restore_command();

}  // namespace aaiti::cli
