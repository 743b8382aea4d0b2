#pragma once
// The SQLite database as introspected: tables, columns, keys, indexes, views and triggers.
// Names are kept exactly as SQLite reports them; quoting happens where SQL is built (sql.cpp).
#include <string>
#include <vector>

namespace aaiti::migrate {

struct SourceColumn {
    std::string name;
    std::string declared_type;  // as written ("NVARCHAR(160)", "" when none)
    bool not_null = false;
    int pk_position = 0;  // 1-based position in the primary key, 0 when not part of it
    // Generated columns: "VIRTUAL" or "STORED" ("" for a plain column), and the expression of
    // GENERATED ALWAYS AS (...) as written in the CREATE TABLE ("" when it could not be read).
    std::string generated;
    std::string generation_expression;
};

struct SourceForeignKey {
    int id = 0;  // PRAGMA foreign_key_list id: one per constraint, composite keys share it
    std::vector<std::string> columns;         // in the child table
    std::string parent_table;
    std::vector<std::string> parent_columns;  // resolved to the parent's primary key when omitted
};

struct SourceIndex {
    std::string name;
    bool unique = false;
    std::string origin;  // "c" CREATE INDEX, "u" UNIQUE constraint, "pk" primary key
    bool partial = false;
    bool has_expressions = false;
    std::vector<std::string> columns;  // plain column names, in order (empty entries for expressions)
    std::vector<bool> descending;
    std::string sql;  // CREATE INDEX text from sqlite_master (empty for automatic indexes)
};

struct SourceTable {
    std::string name;
    bool without_rowid = false;
    std::vector<SourceColumn> columns;
    std::vector<std::string> primary_key;  // column names in key order
    std::vector<SourceForeignKey> foreign_keys;
    std::vector<SourceIndex> indexes;
    std::string sql;

    const SourceColumn* column(const std::string& column_name) const;
    int column_index(const std::string& column_name) const;  // -1 when absent (case-insensitive, like SQLite)
};

// Views (recreated when PostgreSQL accepts their SELECT, views.h) and triggers (listed, not translated).
struct SourceObject {
    std::string kind;  // "view" | "trigger"
    std::string name;
    std::string table;  // for triggers
    std::string sql;
};

struct SourceSchema {
    std::vector<SourceTable> tables;  // sorted by name
    std::vector<SourceObject> views_and_triggers;

    const SourceTable* table(const std::string& table_name) const;  // case-insensitive
};

}  // namespace aaiti::migrate
