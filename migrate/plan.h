#pragma once
// The migration plan: for every table its PostgreSQL columns and types, how keys are carried over
// (UUIDv5 or kept integers with an identity), which foreign keys have orphans and what happens to them.
// Built from the introspected schema and the data profile; nothing here touches PostgreSQL.
#include <cstdint>
#include <string>
#include <vector>

#include "common/uuid.h"
#include "migrate/options.h"
#include "migrate/profile.h"
#include "migrate/source_schema.h"
#include "migrate/type_mapping.h"

namespace aaiti::migrate {

enum class KeyRole {
    none,
    uuid_primary,    // the table's own integer key, now a UUIDv5 of (table, old key)
    uuid_reference,  // a foreign key column that points (maybe through other keys) at a uuid_primary
    identity,        // --keys keep: an integer key with an identity continuing after the maximum
};
std::string_view to_string(KeyRole role);

struct ColumnPlan {
    std::string name;
    std::string declared_type;
    bool not_null = false;
    ColumnProfile profile;
    TypeDecision decision;  // type, bad-value action, coercions (for key columns: uuid)
    KeyRole key_role = KeyRole::none;
    std::string uuid_table;  // uuid roles: the table whose keys name the UUIDs
    std::string generated;   // "VIRTUAL" / "STORED" for a SQLite generated column, "" otherwise
    // The PostgreSQL expression when the column is created GENERATED ALWAYS AS (...) STORED (and left out of
    // COPY); "" for a plain column. build_plan proposes it, settle_generated_columns keeps what PostgreSQL accepts.
    std::string generated_expression;

    PgType type() const { return decision.type; }
};

struct ForeignKeyPlan {
    SourceForeignKey source;
    bool resolvable = true;      // the parent table and columns exist
    std::int64_t orphans = 0;    // child rows whose key has no parent
    bool null_orphans = false;   // --on-orphan=null: the loader sets them NULL
    bool not_valid = false;      // --on-orphan=keep with orphans: created NOT VALID
};

struct TablePlan {
    std::string name;
    bool without_rowid = false;
    std::int64_t rows = 0;
    std::vector<ColumnPlan> columns;
    std::vector<std::string> primary_key;
    std::vector<ForeignKeyPlan> foreign_keys;
    std::vector<SourceIndex> indexes;
    std::string legacy_id_column;  // --keep-legacy-ids: the extra bigint column, empty when none
    int key_column = -1;           // index of the uuid_primary / identity column, -1 when none

    const ColumnPlan* column(const std::string& name) const;
};

struct MigrationPlan {
    std::vector<TablePlan> tables;
    std::vector<SourceObject> views_and_triggers;
    std::vector<std::string> warnings;
};

// The fixed namespace of every key UUID: UUIDv5(URL namespace, "https://aaiti.dev/ns/migrate/keys").
Uuid key_namespace();
// The UUID standing for old key `key_text` (decimal integer, or the text as stored) of `table`:
// UUIDv5(key_namespace(), table + ":" + key_text). Same inputs, same UUID, on every run.
std::string key_uuid(const Uuid& name_space, const std::string& table, const std::string& key_text);

// Throws DataError (--on-bad-value=fail) or OperationFailed (--on-orphan=fail, exit 1) before anything
// is written.
MigrationPlan build_plan(const SourceSchema& schema, const std::vector<TableProfile>& profiles, const MigrateOptions& options);

}  // namespace aaiti::migrate
