#pragma once
// aaiti_migrate: any SQLite database into PostgreSQL. The one entry point the CLI calls.
//   open + introspect SQLite -> profile the data -> plan types and keys -> create tables -> COPY rows
//   (tables in parallel; each table's keys and indexes right after its rows) -> foreign keys -> verify -> report
#include "migrate/options.h"
#include "migrate/report.h"

namespace aaiti::migrate {

// Throws UsageError (64) for missing --source/--target, DataError (65) for a missing, non-SQLite or
// corrupt source, a bad value under --on-bad-value=fail or an existing target table under
// --if-exists=fail, IoError (74) for an unreadable source or rejects file, UnavailableError (69) when
// PostgreSQL cannot be reached, ConfigError (78) for a malformed URL, OperationFailed (1) for orphans
// under --on-orphan=fail or a statement PostgreSQL refused while loading. A verification mismatch is
// not thrown: it is in report.verify (the CLI exits 1).
MigrationReport run_migration(const MigrateOptions& options);

}  // namespace aaiti::migrate
