#pragma once
// --incremental and --finish on a target whose capture run completed: introspect the source, plan it
// exactly as the first run did (its profiles are in the state table), replay the change log
// (change_replay.h); --finish then removes the capture from the source and the state from the target.
// No profile pass, no full copy: the time is proportional to the changes.
#include <optional>

#include "migrate/options.h"
#include "migrate/report.h"

namespace aaiti::migrate {

// nullopt when the target holds no completed capture run (a first --incremental then runs the full
// migration, which installs the capture). Throws DataError for --finish with nothing to finish, and
// like open_run() (resume.h) when the source or the options differ from the run's.
std::optional<MigrationReport> run_incremental_sync(const MigrateOptions& options, MigrationReport report);

}  // namespace aaiti::migrate
