#pragma once
// `aaitictl backup create|list|verify|prune`: see man/aaitictl-backup.1.
#include <memory>

#include "commands/command.h"

namespace aaiti::cli {

std::unique_ptr<Command> make_backup_command();

}  // namespace aaiti::cli
