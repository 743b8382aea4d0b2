#pragma once
// What `aaitictl migrate` was asked to do, as plain data: the CLI fills it, run_migration() reads it.
#include <cstdint>
#include <string>
#include <string_view>

namespace aaiti::migrate {

class LoadProgress;  // migrate/progress.h

// How integer primary keys arrive in PostgreSQL.
enum class KeyStrategy {
    uuid,  // each integer key becomes a deterministic UUIDv5; every reference is rewritten to match
    keep,  // integers stay; an identity sequence continues after the maximum
};
// What to do with a value that does not fit the column's declared type (text in an INTEGER column).
enum class BadValuePolicy {
    text,    // widen the column to text and say why in the report
    null,    // keep the type, store NULL, count it
    reject,  // keep the type, leave the row out, write it to the rejects file
    fail,    // stop before writing anything (exit 65)
};
// What to do with a foreign key value that has no parent row.
enum class OrphanPolicy {
    null,  // store NULL, count it, write it to the rejects file
    keep,  // keep the value; the constraint is created NOT VALID
    fail,  // stop before writing anything (exit 1)
};
// What to do with a target table that already exists.
enum class IfExists {
    fail,      // refuse before writing anything (exit 65)
    truncate,  // empty it and load into it
    drop,      // drop it (CASCADE) and create it again
};

struct MigrateOptions {
    std::string source_path;  // the SQLite file (read-only)
    std::string target_url;   // libpq URL or key=value string; may hold a password (never printed)
    std::string schema = "public";
    KeyStrategy keys = KeyStrategy::uuid;
    bool keep_legacy_ids = false;  // with uuid keys: keep the old integer in "legacy_id"
    int jobs = 1;                  // tables loaded in parallel, one connection each
    BadValuePolicy on_bad_value = BadValuePolicy::text;
    OrphanPolicy on_orphan = OrphanPolicy::null;
    IfExists if_exists = IfExists::fail;
    bool plan_only = false;  // --plan: introspect and plan, write nothing to the target
    bool verify = false;
    std::string rejects_path;  // JSON lines: rejected rows and orphans; empty = not written
    // Rows per COPY transaction; each commit also records the table's cursor in the state table.
    std::int64_t batch_rows = 50000;
    bool resume = false;       // continue the partial run recorded in the target schema
    bool incremental = false;  // capture changes in the source (first run) / replay them (later runs)
    bool finish = false;       // last replay, then remove the capture triggers and change log from the source
    // Where the phases and per-table row counts are reported while the migration runs (the CLI draws them
    // on a terminal); null: not reported. Must outlive run_migration().
    LoadProgress* progress = nullptr;
};

// Parsers for flag values; each throws UsageError listing the accepted names.
KeyStrategy parse_key_strategy(std::string_view name);
BadValuePolicy parse_bad_value_policy(std::string_view name);
OrphanPolicy parse_orphan_policy(std::string_view name);
IfExists parse_if_exists(std::string_view name);

std::string_view to_string(KeyStrategy v);
std::string_view to_string(BadValuePolicy v);
std::string_view to_string(OrphanPolicy v);
std::string_view to_string(IfExists v);

}  // namespace aaiti::migrate
