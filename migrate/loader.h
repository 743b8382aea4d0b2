#pragma once
// Loading rows: each table streams from its own read-only SQLite handle into its own PostgreSQL COPY, in
// one transaction, tables in parallel (-j workers, one connection each). Memory per worker is one row
// plus a fixed-size COPY buffer, whatever the table size.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/uuid.h"
#include "migrate/plan.h"
#include "migrate/progress.h"
#include "migrate/rejects_file.h"
#include "migrate/run_state.h"

namespace aaiti::migrate {

struct TableLoadResult {
    std::int64_t rows_read = 0;
    std::int64_t rows_written = 0;
    std::int64_t rows_rejected = 0;
    std::vector<std::int64_t> values_nulled;   // per column
    std::vector<std::int64_t> orphans_nulled;  // per foreign key
    double seconds = 0;
    bool committed = false;  // the table's COPY transaction committed
};

struct LoadTarget {
    std::string source_path;
    std::string url;
    std::string schema;
    Uuid key_namespace;
    LoadProgress* progress = nullptr;  // rows read per table, for a live display (migrate/progress.h); may be null
};

// Loads every table; results are parallel to plan.tables. On the first failure the other workers stop
// taking new tables and the error is rethrown after they finish (tables committed before stay committed).
// `parents_first`: when target tables kept their foreign keys (--if-exists=truncate), load one table at a
// time, referenced tables before the tables that reference them.
// `after_commit(table index, connection)` runs in the worker right after a table's rows committed, on
// that table's connection (migrate builds the table's keys and indexes there, overlapping other loads).
//
// With `resume`, rows move in batches of resume->batch_rows, each COPY committed together with the table's
// row in the state table (phase, cursor = the last rowid or primary key copied, counts), so a run killed
// anywhere continues from the last commit. Batches follow rowid order; WITHOUT ROWID tables (and tables
// whose rowid names are all taken by columns) follow primary key order; a table with neither is one
// batch, emptied and copied again when a run is resumed. Tables already "loaded" are not read again;
// `after_commit` is not called for tables already "indexed".
class PgConnection;
using AfterTableLoad = std::function<void(std::size_t, PgConnection&)>;
struct LoadResume {
    std::string schema;                           // where the state table is
    std::int64_t batch_rows = 50000;
    std::vector<TableRunState>* tables = nullptr;  // parallel to plan.tables; each worker updates its own entry
    bool source_may_change = false;               // --incremental: values are checked against the plan
};
std::vector<TableLoadResult> load_tables(const MigrationPlan& plan, const LoadTarget& target, int jobs, RejectsFile& rejects,
                                         bool parents_first, const AfterTableLoad& after_commit, LoadResume* resume = nullptr);

// Counts as the state table keeps them (so a resumed run reports the whole table).
TableLoadResult load_result_from_state(const TablePlan& table, const TableRunState& state);

}  // namespace aaiti::migrate
