#pragma once
// `aaitictl migrate`: a SQLite database into PostgreSQL (see aaitictl-migrate(1)). Flags in (bound by
// make_migrate_command()), one call to aaiti::migrate::run_migration, the report out.
#include <memory>
#include <string>

#include "commands/command.h"
#include "global_options.h"
#include "migrate/options.h"

namespace aaiti::cli {

struct MigrateCommandOptions {
    migrate::MigrateOptions migrate;  // source/target empty: taken from SQLITE_DB_PATH / the DB_* configuration
    std::string report_file;          // --report FILE: the JSON report, whatever -o says
    bool no_progress = false;         // --no-progress: no live display even on a terminal
};

// Exit 0, or 1 when --verify found a mismatch; errors are thrown (common/error.h).
int run_migrate_command(const GlobalOptions& options, MigrateCommandOptions command);

// The `migrate` subcommand: its flags, their checks and defaults, bound to a MigrateCommandOptions.
std::unique_ptr<Command> make_migrate_command();

}  // namespace aaiti::cli
