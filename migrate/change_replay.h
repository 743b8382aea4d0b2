#pragma once
// --incremental: replaying the source's change log (change_capture.h) into the target. For every table
// with logged changes in (applied seq, newest seq]: the rows of the changed keys are deleted in PostgreSQL
// (by the converted key: the same UUIDv5 as the full load) and the rows those keys hold in the source now
// are copied again; a key no longer in the source stays deleted. A table without a primary key has no
// key to go by: it is emptied and copied whole. All of it in one transaction with foreign keys deferred
// (they are DEFERRABLE in capture runs), together with the new applied seq in the state table, so a
// replay that fails or dies leaves the target as it was. Reading current rows (not the logged values)
// makes a replay idempotent: replaying a change twice gives the same target.
#include <cstdint>
#include <vector>

#include "migrate/loader.h"
#include "migrate/options.h"
#include "migrate/plan.h"
#include "migrate/rejects_file.h"

namespace aaiti::migrate {

struct ReplayResult {
    std::int64_t from_seq = 0;
    std::int64_t to_seq = 0;
    std::vector<bool> changed;               // per plan table
    std::vector<std::int64_t> keys_changed;  // per plan table: distinct keys logged (whole-table copies: 0)
    std::vector<std::int64_t> rows_written;  // per plan table: rows copied again
};

// Throws DataError when the source has no change log or a new value does not fit the planned type;
// OperationFailed when PostgreSQL refuses the result (e.g. a new orphan under --on-orphan=keep|fail).
ReplayResult replay_changes(const MigrationPlan& plan, const LoadTarget& target, const MigrateOptions& options,
                            std::int64_t applied_seq, RejectsFile& rejects);

}  // namespace aaiti::migrate
