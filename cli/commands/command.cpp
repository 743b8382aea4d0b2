#include "commands/command.h"

#include "commands/backup_command.h"
#include "commands/compose_command.h"
#include "commands/config_command.h"
#include "commands/db_command.h"
#include "commands/down_command.h"
#include "commands/logs_command.h"
#include "commands/ps_command.h"
#include "commands/restart_command.h"
#include "commands/up_command.h"
#include "commands/health_command.h"
#include "commands/init_command.h"
#include "commands/migrate_command.h"
#include "commands/restore_command.h"
#include "commands/version_command.h"

namespace aaiti::cli {

std::vector<std::unique_ptr<Command>> all_commands() {
    std::vector<std::unique_ptr<Command>> commands;
    commands.push_back(make_version_command());
    commands.push_back(make_config_command());
    commands.push_back(make_migrate_command());
    commands.push_back(make_backup_command());
    commands.push_back(make_restore_command());
    commands.push_back(make_health_command());
    commands.push_back(make_init_command());
    commands.push_back(make_compose_command());
    commands.push_back(make_up_command());
    commands.push_back(make_down_command());
    commands.push_back(make_ps_command());
    commands.push_back(make_logs_command());
    commands.push_back(make_restart_command());
    commands.push_back(make_db_command());
    return commands;
}

}  // namespace aaiti::cli
