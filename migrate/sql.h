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
inline constexpr std::string_view k_sqlite_list_tables =
    "SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
    "ORDER BY name";
inline constexpr std::string_view k_sqlite_table_columns =
    "SELECT name, coalesce(type, ''), \"notnull\", pk FROM pragma_table_info(?) ORDER BY cid";
inline constexpr std::string_view k_sqlite_foreign_keys =
    "SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?) ORDER BY id, seq";
inline constexpr std::string_view k_sqlite_index_list =
    "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?) ORDER BY name";
inline constexpr std::string_view k_sqlite_index_columns =
    "SELECT cid, coalesce(name, ''), \"desc\" FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno";
inline constexpr std::string_view k_sqlite_index_sql = "SELECT coalesce(sql, '') FROM sqlite_master WHERE type = 'index' AND name = ?";
inline constexpr std::string_view k_sqlite_views_and_triggers =
    "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master WHERE type IN ('view', 'trigger') ORDER BY type, name";

std::string sqlite_quote(std::string_view identifier);
// SELECT [c.rowid,] c."col"... [, <orphan flag per fk>] FROM "table" AS c
std::string sqlite_select_rows(const std::string& table, const std::vector<std::string>& columns, bool with_rowid,
                               const std::vector<const SourceForeignKey*>& orphan_checks);
// 1 when every column of `fk` is non-NULL in row c and no parent row matches (SQLite's MATCH SIMPLE).
std::string sqlite_orphan_condition(const SourceForeignKey& fk);
std::string sqlite_count_orphans(const std::string& table, const SourceForeignKey& fk);
// Child columns then parent columns of every joined pair of `fk`.
std::string sqlite_select_fk_pairs(const std::string& child, const std::vector<std::string>& child_columns,
                                   const SourceForeignKey& fk, const std::string& parent,
                                   const std::vector<std::string>& parent_columns);

// ---- PostgreSQL -------------------------------------------------------------------------------------
// Same result as pqxx::connection::quote_name (doubles embedded quotes), without needing a connection.
std::string pg_quote(std::string_view identifier);
std::string pg_qualified(std::string_view schema, std::string_view table);

struct PgColumnDef {
    std::string name;
    PgType type;
    bool not_null = false;
};

inline constexpr std::string_view k_pg_table_exists =
    "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')";
inline constexpr std::string_view k_pg_schema_exists = "SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = $1";
inline constexpr std::string_view k_pg_begin = "BEGIN";
inline constexpr std::string_view k_pg_commit = "COMMIT";
// Naive source timestamps are UTC, and timestamps read back for --verify are printed in UTC.
inline constexpr std::string_view k_pg_session_utc = "SET TIME ZONE 'UTC'";

std::string pg_create_schema(std::string_view schema);
std::string pg_table_has_rows(std::string_view schema, std::string_view table);
std::string pg_drop_table(std::string_view schema, std::string_view table);
std::string pg_truncate_tables(std::string_view schema, const std::vector<std::string>& tables);
std::string pg_create_table(std::string_view schema, std::string_view table, const std::vector<PgColumnDef>& columns);
std::string pg_copy_from_stdin(std::string_view schema, std::string_view table, const std::vector<std::string>& columns);
std::string pg_add_primary_key(std::string_view schema, std::string_view table, const std::vector<std::string>& columns);
std::string pg_add_unique(std::string_view schema, std::string_view table, const std::vector<std::string>& columns);
// `elements` and `where` are already translated SQL (see index_translation.h).
std::string pg_create_index(std::string_view schema, std::string_view table, std::string_view name, bool unique,
                            std::string_view elements, std::string_view where);
std::string pg_add_foreign_key(std::string_view schema, std::string_view table, std::string_view name,
                               const std::vector<std::string>& columns, std::string_view parent,
                               const std::vector<std::string>& parent_columns, bool not_valid);
std::string pg_validate_constraint(std::string_view schema, std::string_view table, std::string_view name);
std::string pg_add_identity(std::string_view schema, std::string_view table, std::string_view column, long long start);
std::string pg_max_value(std::string_view schema, std::string_view table, std::string_view column);

// One column's value as --verify compares it (timestamps in UTC with microseconds, the rest as text).
std::string pg_verify_expression(std::string_view alias, std::string_view column, PgType type);
std::string pg_copy_out(std::string_view select);
std::string pg_select_columns(std::string_view schema, std::string_view table, const std::vector<std::string>& expressions);
std::string pg_select_fk_pairs(std::string_view schema, std::string_view child, const std::vector<std::string>& child_expressions,
                               std::string_view parent, const std::vector<std::string>& parent_expressions,
                               const std::vector<std::string>& fk_columns, const std::vector<std::string>& parent_columns);

}  // namespace aaiti::migrate::sql
