#pragma once
// What a migration did (or, with --plan, would do): the data behind the summary table, --report and
// `-o json`. The JSON shape (report_to_json) is part of the interface and pinned by tests.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace aaiti::migrate {

struct ColumnReport {
    std::string name;
    std::string declared_type;
    std::map<std::string, std::int64_t> storage_classes;  // typeof() name -> values (nulls included)
    std::string chosen_type;
    std::string key;  // "", "uuid primary key", "uuid reference", "identity"
    bool not_null = false;
    std::vector<std::string> coercions;
    std::int64_t values_nulled = 0;  // bad values set NULL (--on-bad-value=null)
};

struct ForeignKeyReport {
    std::vector<std::string> columns;
    std::string parent_table;
    std::vector<std::string> parent_columns;
    std::int64_t orphans = 0;
    std::string orphan_action;  // "set null", "kept (NOT VALID)", "" when none
};

struct TableReport {
    std::string source_name;
    std::string target_name;
    std::string status;  // "planned" (--plan) or "loaded" (its COPY committed)
    std::int64_t rows_read = 0;
    std::int64_t rows_written = 0;
    std::int64_t rows_rejected = 0;
    std::string key_mapping;  // "uuid", "uuid+legacy_id", "identity", "kept", "none"
    std::vector<ColumnReport> columns;
    std::vector<ForeignKeyReport> foreign_keys;
    double load_seconds = 0;
};

// A constraint, index, view or trigger: created, or skipped with the reason.
struct ObjectReport {
    std::string kind;  // primary key, unique, index, foreign key, identity, view, trigger, virtual table
    std::string table;
    std::string name;
    std::string sql;  // the statement run in PostgreSQL, or the SQLite source for what was not translated
    std::string validate_sql;  // foreign keys: added NOT VALID, then validated by this (empty: kept NOT VALID)
    bool created = false;
    std::string reason;  // why it was skipped
};

struct VerifyReport {
    bool ran = false;
    bool ok = false;
    std::int64_t tables_checked = 0;
    std::int64_t foreign_keys_checked = 0;
    std::vector<std::string> mismatches;  // "table \"t\" column \"c\": ..."
};

struct PhaseTime {
    std::string name;
    double seconds = 0;
};

struct MigrationReport {
    std::string source;
    std::string target;  // password masked
    std::string schema;
    std::string keys;
    std::string uuid_namespace;
    // The options the run was given, so that a report says how it was produced (JSON "options").
    std::string on_bad_value, on_orphan, if_exists;
    bool keep_legacy_ids = false;
    bool plan_only = false;
    bool verify_requested = false;
    bool resume = false, incremental = false, finish = false;
    std::int64_t batch_rows = 0;
    int jobs = 1;
    std::vector<TableReport> tables;
    std::vector<ObjectReport> objects;
    std::vector<std::string> warnings;
    std::vector<PhaseTime> phases;
    VerifyReport verify;
    std::int64_t rejects_written = 0;
    std::string rejects_file;
};

std::string report_to_json(const MigrationReport& report, int indent = 2);

}  // namespace aaiti::migrate
