#pragma once
// The state table "<schema>"."aaiti_migrate_state": where a run stands, so --resume can continue it and
// --incremental can replay the source's changes on top of it. One row for the run (source fingerprint,
// the options that must match, phase, last applied change) and one per table (phase, batch cursor,
// counts, data profile). A table's row is updated in the same transaction as the batch it describes:
// whatever PostgreSQL holds, the state says exactly which rows those are.
#include <cstdint>
#include <string>
#include <vector>

#include "migrate/pg_connection.h"

namespace aaiti::migrate {

// Table phases: pending -> loading (batches committed, cursor set) -> loaded (every row) -> indexed (its
// keys and indexes built). Run phases: loading -> complete (foreign keys built; a plain run then drops the
// state table, a capture run keeps it for --incremental / --finish).
namespace phase {
inline constexpr const char* k_pending = "pending";
inline constexpr const char* k_loading = "loading";
inline constexpr const char* k_loaded = "loaded";
inline constexpr const char* k_indexed = "indexed";
inline constexpr const char* k_complete = "complete";
}  // namespace phase

struct TableRunState {
    std::string name;
    std::string phase = phase::k_pending;
    std::string cursor;  // state_codec encode_values: the last copied rowid / primary key ("" = none yet)
    std::int64_t rows_read = 0, rows_written = 0, rows_rejected = 0;
    std::string counts;  // "values_nulled;orphans_nulled", each encode_counts
    bool kept = false;   // --if-exists=truncate kept the existing table (and its constraints)
    std::string profile;
};

struct RunState {
    bool exists = false;  // a state table with a run row
    std::string phase;
    std::string run_id;
    std::string source;       // the source path as given
    std::string fingerprint;  // source_fingerprint.h
    std::string options;      // options_signature(): what must match to resume or replay
    std::int64_t applied_seq = 0;
    std::vector<TableRunState> tables;

    const TableRunState* table(const std::string& name) const;
    bool capture() const;  // started with --incremental
};

RunState read_run_state(PgConnection& pg, const std::string& schema);
// Inside the caller's transaction: (re)creates the table and writes the run and table rows.
void write_new_run_state(PgConnection& pg, const std::string& schema, const RunState& state);
void drop_run_state(PgConnection& pg, const std::string& schema);
// Inside the caller's transaction (the batch's).
void record_table_progress(PgConnection& pg, const std::string& schema, const TableRunState& table);
void set_table_phase(PgConnection& pg, const std::string& schema, const std::string& table, const std::string& phase);
void set_run_phase(PgConnection& pg, const std::string& schema, const std::string& phase);
void set_applied_seq(PgConnection& pg, const std::string& schema, std::int64_t seq);

}  // namespace aaiti::migrate
