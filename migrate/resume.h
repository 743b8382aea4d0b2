#pragma once
// Starting a run against what the target already holds (the state table, run_state.h): a fresh run, or
// --resume of a partial one. Also the two steps a resumed run must redo cleanly: a table's keys and
// indexes (maybe half built when the run died) and the foreign keys.
#include <string>
#include <vector>

#include "migrate/loader.h"
#include "migrate/options.h"
#include "migrate/pg_connection.h"
#include "migrate/plan.h"
#include "migrate/profile.h"
#include "migrate/report.h"
#include "migrate/run_state.h"
#include "migrate/source_schema.h"

namespace aaiti::migrate {

struct RunStart {
    bool resuming = false;
    RunState state;                      // resuming: as recorded; fresh: empty until new_run_state()
    std::vector<TableProfile> profiles;  // resuming: the first run's, so the plan is the same
    std::vector<bool> kept;              // resuming: tables --if-exists=truncate kept (parallel to schema.tables)
};

// Reads the state and decides. Throws DataError (65) for a partial run without --resume (naming
// --resume and --if-exists drop), for --resume with nothing to resume, and when the source is not the
// one the run started from; ConfigError (78) when the options that shape the result differ.
RunStart open_run(const MigrateOptions& options, const SourceSchema& schema);

// The state of a fresh run: run row and one pending row per table (with its profile).
RunState new_run_state(const MigrateOptions& options, const SourceSchema& schema, const std::vector<TableProfile>& profiles,
                       const std::vector<bool>& kept);

// After a table's rows committed: its keys and indexes (after dropping any a dead run left half built,
// when `redo`), then the table is recorded as indexed.
std::vector<ObjectReport> build_table_objects(PgConnection& conn, const MigrationPlan& plan, const MigrateOptions& options,
                                              std::size_t table, bool kept, bool redo);

// Before the foreign keys of a resumed run: drops those a dead run added (they are all added again).
void drop_foreign_keys(PgConnection& pg, const MigrationPlan& plan, const std::string& schema, const std::vector<bool>& kept);

// After the foreign keys: the run is complete. A plain run drops its state (the target is then exactly
// what it would be without one); a capture run keeps it and replays what the source changed during the
// load (change_replay.h), from `applied_seq`.
void complete_run(PgConnection& pg, const MigrationPlan& plan, const LoadTarget& target, const MigrateOptions& options,
                  RejectsFile& rejects, std::int64_t applied_seq);

// Throws ConfigError / DataError when `state` was not started with these options / from this source.
void check_same_run(const RunState& state, const MigrateOptions& options, const SourceSchema& schema);

}  // namespace aaiti::migrate
