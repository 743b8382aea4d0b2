#pragma once
// Preparing the target before any row moves: the schema exists, no planned table collides with an
// existing one unless --if-exists says what to do, then the tables are created without constraints
// (those come after the load, where they are cheaper and orphans are already handled).
#include <functional>
#include <vector>

#include "migrate/options.h"
#include "migrate/pg_connection.h"
#include "migrate/plan.h"
#include "migrate/report.h"

namespace aaiti::migrate {

// Read-only, before the profile pass: throws OperationFailed (exit 1) naming the role, the schema (or
// database), the first table it would create and the missing privilege, when the role may not create the
// tables (CREATE and USAGE on an existing schema; CREATE on the database for a missing one). Not for
// --if-exists=truncate, which may load into existing tables without creating any.
void check_target_privileges(PgConnection& pg, const SourceSchema& schema, const MigrateOptions& options);

// Read-only: throws DataError (exit 65) naming every existing table when --if-exists=fail.
void check_target_tables(PgConnection& pg, const MigrationPlan& plan, const MigrateOptions& options);

// Creates the schema and tables (dropping or truncating existing ones as --if-exists says). Returns,
// parallel to plan.tables, which tables existed and were truncated: they keep their own definition,
// constraints and indexes. Truncation is one statement over all of them, without CASCADE, so a table
// outside the migration that references them makes it fail instead of being emptied too.
// `before_commit(pg, truncated)` runs inside the same transaction (migrate writes the run's state there, so
// the tables and the state saying they are empty appear together).
using BeforeCreateCommit = std::function<void(PgConnection&, const std::vector<bool>&)>;
std::vector<bool> create_target_tables(PgConnection& pg, const MigrationPlan& plan, const MigrateOptions& options,
                                       const BeforeCreateCommit& before_commit = {});

}  // namespace aaiti::migrate
