#pragma once
// Every SQL statement migrate runs, for SQLite (the source) and PostgreSQL (the target), in one place.
// Identifiers are always quoted here; values are always bound parameters or COPY data, never pasted.
#include <string>
#include <string_view>
#include <vector>

#include "migrate/pg_type.h"
#include "migrate/source_schema.h"

namespace aaiti::migrate::sql {

// ---- SQLite -----------------------------------------------------------------------------------------
inline constexpr std::string_view k_sqlite_quick_check = "PRAGMA quick_check";
// Internal sqlite_* tables (sqlite_sequence, sqlite_stat1) are SQLite's bookkeeping, not data.
// The change log --incremental installs in the source (change_capture.h) is ours, not the user's data.
inline constexpr std::string_view k_sqlite_list_tables =
    "SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
    "AND name <> '_aaiti_changes' ORDER BY name";
// pragma_table_xinfo, since pragma_table_info leaves out generated columns (hidden 2 = VIRTUAL, 3 = STORED);
// hidden 1 marks the hidden columns of virtual tables, which are not migrated.
inline constexpr std::string_view k_sqlite_table_columns =
    "SELECT name, coalesce(type, ''), \"notnull\", pk, hidden FROM pragma_table_xinfo(?) WHERE hidden IN (0, 2, 3) ORDER BY cid";
inline constexpr std::string_view k_sqlite_foreign_keys =
    "SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?) ORDER BY id, seq";
inline constexpr std::string_view k_sqlite_index_list =
    "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?) ORDER BY name";
inline constexpr std::string_view k_sqlite_index_columns =
    "SELECT cid, coalesce(name, ''), \"desc\" FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno";
inline constexpr std::string_view k_sqlite_index_sql = "SELECT coalesce(sql, '') FROM sqlite_master WHERE type = 'index' AND name = ?";
inline constexpr std::string_view k_sqlite_views_and_triggers =
    "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master WHERE type IN ('view', 'trigger') "
    "AND name NOT LIKE '\\_aaiti\\_capture\\_%' ESCAPE '\\' ORDER BY type, name";

std::string sqlite_quote(std::string_view identifier);
// SELECT [c.rowid,] c."col"... [, <orphan flag per fk>] FROM "table" AS c
std::string sqlite_select_rows(const std::string& table, const std::vector<std::string>& columns, bool with_rowid,
                               const std::vector<const SourceForeignKey*>& orphan_checks);
// The general form: `rowid` names the rowid alias to select first ("" for none), `where` and `order_by`
// are already-built SQL over alias c (placeholders bound by the caller).
std::string sqlite_select_rows(const std::string& table, const std::vector<std::string>& columns, const std::string& rowid,
                               const std::vector<const SourceForeignKey*>& orphan_checks, const std::string& where,
                               const std::vector<std::string>& order_by);
// "(c.\"a\", c.\"b\") > (?, ?)": rows after a batch cursor in key order (SQLite row values).
std::string sqlite_after_key(const std::vector<std::string>& key_columns);

// ---- change capture in the source (--incremental, --finish) ----
inline constexpr std::string_view k_sqlite_changes_table = "_aaiti_changes";
inline constexpr std::string_view k_sqlite_capture_prefix = "_aaiti_capture_";
inline constexpr std::string_view k_sqlite_changes_exists =
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_aaiti_changes'";
inline constexpr std::string_view k_sqlite_list_capture_triggers =
    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '\\_aaiti\\_capture\\_%' ESCAPE '\\' ORDER BY name";
inline constexpr std::string_view k_sqlite_max_change_seq = "SELECT coalesce(max(seq), 0) FROM \"_aaiti_changes\"";
inline constexpr std::string_view k_sqlite_drop_changes_table = "DROP TABLE IF EXISTS \"_aaiti_changes\"";
// seq orders the changes; k1..kN hold the changed row's primary key values as stored (no declared type,
// so every storage class, BLOB included, is kept exactly).
std::string sqlite_create_changes_table(std::size_t key_columns);
// AFTER INSERT/UPDATE/DELETE trigger on `table` writing (table, op, key) rows; `op` is "insert", "update"
// or "delete". An update logs the old and the new key, so a changed key deletes the old row too.
std::string sqlite_create_capture_trigger(const std::string& table, const std::string& op, const std::vector<std::string>& key_columns);
std::string sqlite_capture_trigger_name(const std::string& table, const std::string& op);
std::string sqlite_drop_trigger(const std::string& name);
inline constexpr std::string_view k_sqlite_count_changes =
    "SELECT count(*) FROM \"_aaiti_changes\" WHERE tbl = ? AND seq > ? AND seq <= ?";
// The distinct keys of `table` changed in (?2, ?3] (?1 is the table name).
std::string sqlite_changed_keys(std::size_t key_columns);
// Condition over alias c: the row's key is among the keys changed in (?, ?] of table ? (bound in that order:
// table, from, to).
std::string sqlite_row_changed(const std::vector<std::string>& key_columns);

// 1 when every column of `fk` is non-NULL in row c and no parent row matches (SQLite's MATCH SIMPLE).
std::string sqlite_orphan_condition(const SourceForeignKey& fk);
std::string sqlite_count_orphans(const std::string& table, const SourceForeignKey& fk);
// Child columns then parent columns of every joined pair of `fk`, then `parent_identity` (e.g. "p.rowid";
// omitted when empty): which parent row it is, so that --verify hashes each parent once.
std::string sqlite_select_fk_pairs(const std::string& child, const std::vector<std::string>& child_columns,
                                   const SourceForeignKey& fk, const std::string& parent,
                                   const std::vector<std::string>& parent_columns, const std::string& parent_identity = "");

// ---- PostgreSQL -------------------------------------------------------------------------------------
// Same result as pqxx::connection::quote_name (doubles embedded quotes), without needing a connection.
std::string pg_quote(std::string_view identifier);
std::string pg_qualified(std::string_view schema, std::string_view table);

struct PgColumnDef {
    std::string name;
    PgType type;
    bool not_null = false;
    std::string generated_expression;  // PostgreSQL expression: GENERATED ALWAYS AS (...) STORED; "" for none
};

inline constexpr std::string_view k_pg_table_exists =
    "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')";
inline constexpr std::string_view k_pg_schema_exists = "SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = $1";
// The connected role, the database, whether schema $1 exists, and the role's CREATE and USAGE on it and
// CREATE on the database (needed to create the schema when it is missing).
inline constexpr std::string_view k_pg_target_privileges =
    "SELECT current_user, current_database(), (n.oid IS NOT NULL)::text, "
    "coalesce(has_schema_privilege(n.oid, 'CREATE'), false)::text, coalesce(has_schema_privilege(n.oid, 'USAGE'), false)::text, "
    "has_database_privilege(current_database(), 'CREATE')::text "
    "FROM (SELECT 1) AS one LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = $1";
inline constexpr std::string_view k_pg_begin = "BEGIN";
inline constexpr std::string_view k_pg_commit = "COMMIT";
// Naive source timestamps are UTC, and timestamps read back for --verify are printed in UTC.
inline constexpr std::string_view k_pg_session_utc = "SET TIME ZONE 'UTC'";
// --verify reads timestamptz in its plain output form (far cheaper for the server than to_char) and
// parses it itself; ISO is the one DateStyle whose output it parses, whatever the server's default.
inline constexpr std::string_view k_pg_session_iso_dates = "SET DateStyle = ISO";
// Verification joins each child table to its parent: at the default 4 MB the hash join spills to disk
// in many batches on a million rows. Session-local, so nothing else on the server changes.
inline constexpr std::string_view k_pg_session_verify_work_mem = "SET work_mem = '128MB'";

std::string pg_create_schema(std::string_view schema);
std::string pg_table_has_rows(std::string_view schema, std::string_view table);
std::string pg_drop_table(std::string_view schema, std::string_view table);
std::string pg_truncate_tables(std::string_view schema, const std::vector<std::string>& tables);
std::string pg_create_table(std::string_view schema, std::string_view table, const std::vector<PgColumnDef>& columns);
// A temporary table dropped at the end of the transaction: PostgreSQL's verdict on generated column
// expressions (generated_columns.h) without touching the target schema.
std::string pg_create_probe_table(const std::vector<PgColumnDef>& columns);
std::string pg_copy_from_stdin(std::string_view schema, std::string_view table, const std::vector<std::string>& columns);
std::string pg_add_primary_key(std::string_view schema, std::string_view table, const std::vector<std::string>& columns);
// Unqualified names in a translated view resolve in the target schema first.
std::string pg_set_search_path(std::string_view schema);
std::string pg_create_view(std::string_view schema, std::string_view name, std::string_view select_body);
// ---- triggers (triggers.h) ----
// A plpgsql trigger function running `statements` (already PostgreSQL SQL) then `RETURN <returns>` (NEW, OLD
// or NULL). Its search_path is the target schema, so the body's unqualified names resolve there whatever
// the caller's search_path.
std::string pg_create_trigger_function(std::string_view schema, std::string_view function,
                                       const std::vector<std::string>& statements, std::string_view returns);
std::string pg_drop_trigger(std::string_view schema, std::string_view table, std::string_view name);
// `timing` BEFORE|AFTER, `event` INSERT|UPDATE|DELETE, `update_columns` for UPDATE OF, `when` a translated
// condition ("" for none). Always FOR EACH ROW (SQLite has no statement triggers).
std::string pg_create_trigger(std::string_view schema, std::string_view name, std::string_view timing, std::string_view event,
                              const std::vector<std::string>& update_columns, std::string_view table, std::string_view when,
                              std::string_view function);
// Parse analysis of one translated trigger statement with NEW/OLD columns as typed parameters: PostgreSQL
// resolves its tables, columns, functions and types without running it. Then deallocated.
std::string pg_prepare_check(const std::vector<std::string>& parameter_types, std::string_view statement);
inline constexpr std::string_view k_pg_deallocate_check = "DEALLOCATE aaiti_trigger_check";
inline constexpr std::string_view k_pg_rollback = "ROLLBACK";
std::string pg_add_unique(std::string_view schema, std::string_view table, const std::vector<std::string>& columns);
// `elements` and `where` are already translated SQL (see index_translation.h).
std::string pg_create_index(std::string_view schema, std::string_view table, std::string_view name, bool unique,
                            std::string_view elements, std::string_view where);
// `deferrable`: DEFERRABLE INITIALLY IMMEDIATE (checked per statement, like the default, unless a
// transaction defers it: --incremental replays changes that way).
std::string pg_add_foreign_key(std::string_view schema, std::string_view table, std::string_view name,
                               const std::vector<std::string>& columns, std::string_view parent,
                               const std::vector<std::string>& parent_columns, bool not_valid, bool deferrable = false);
std::string pg_validate_constraint(std::string_view schema, std::string_view table, std::string_view name);
std::string pg_add_identity(std::string_view schema, std::string_view table, std::string_view column, long long start);
std::string pg_max_value(std::string_view schema, std::string_view table, std::string_view column);

// ---- the run state table (run_state.h) ----
inline constexpr std::string_view k_pg_state_table = "aaiti_migrate_state";
std::string pg_state_create(std::string_view schema);
std::string pg_state_drop(std::string_view schema);
// $1 phase, $2 run id, $3 source path, $4 fingerprint, $5 options
std::string pg_state_insert_run(std::string_view schema);
// $1 table, $2 kept (t/f), $3 profile JSON
std::string pg_state_insert_table(std::string_view schema);
std::string pg_state_select(std::string_view schema);
// $1 table, $2 phase, $3 cursor, $4 rows read, $5 written, $6 rejected, $7 counts
std::string pg_state_set_table_progress(std::string_view schema);
// $1 table, $2 phase
std::string pg_state_set_table_phase(std::string_view schema);
// $1 phase
std::string pg_state_set_run_phase(std::string_view schema);
// $1 applied change seq
std::string pg_state_set_applied_seq(std::string_view schema);
inline constexpr std::string_view k_pg_defer_constraints = "SET CONSTRAINTS ALL DEFERRED";

// ---- undoing a half-built table's constraints before they are built again (--resume) ----
// $1 the qualified table name (pg_qualified): name and type ('p', 'u', 'f', ...) of its constraints.
inline constexpr std::string_view k_pg_table_constraints =
    "SELECT conname, contype::text FROM pg_catalog.pg_constraint WHERE conrelid = $1::regclass ORDER BY conname";
inline constexpr std::string_view k_pg_table_indexes =
    "SELECT i.relname FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid "
    "WHERE x.indrelid = $1::regclass ORDER BY i.relname";
inline constexpr std::string_view k_pg_table_identities =
    "SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = $1::regclass AND attidentity <> '' AND NOT attisdropped";
std::string pg_drop_constraint(std::string_view schema, std::string_view table, std::string_view name);
std::string pg_drop_index(std::string_view schema, std::string_view index);
std::string pg_drop_identity(std::string_view schema, std::string_view table, std::string_view column);
std::string pg_truncate_table(std::string_view schema, std::string_view table);
std::string pg_delete_all(std::string_view schema, std::string_view table);
// DELETE rows whose `columns` equal $1..$n (`=`, so the primary key's index is used; keys are never NULL).
std::string pg_delete_by_key(std::string_view schema, std::string_view table, const std::vector<std::string>& columns);
// Identity columns continue after the rows an incremental sync wrote.
std::string pg_restart_identity(std::string_view schema, std::string_view table, std::string_view column, long long start);

// One column as --verify reads it: its plain output form (verify.cpp normalises timestamps, numbers, JSON).
std::string pg_verify_expression(std::string_view alias, std::string_view column, PgType type);
std::string pg_copy_out(std::string_view select);
std::string pg_select_columns(std::string_view schema, std::string_view table, const std::vector<std::string>& expressions);
// The target's joined pairs, then p.ctid with `parent_ctid` (the parent row's identity within this one
// statement; see sqlite_select_fk_pairs).
std::string pg_select_fk_pairs(std::string_view schema, std::string_view child, const std::vector<std::string>& child_expressions,
                               std::string_view parent, const std::vector<std::string>& parent_expressions,
                               const std::vector<std::string>& fk_columns, const std::vector<std::string>& parent_columns,
                               bool parent_ctid = false);

}  // namespace aaiti::migrate::sql
