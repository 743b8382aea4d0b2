#include "migrate/sql.h"

namespace aaiti::migrate::sql {
namespace {

std::string quoted(std::string_view identifier) {
    std::string out = "\"";
    for (char c : identifier) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + '"';
}

std::string pg_column_list(const std::vector<std::string>& columns) {
    std::string out;
    for (const auto& c : columns) out += (out.empty() ? "" : ", ") + pg_quote(c);
    return out;
}

}  // namespace

std::string sqlite_quote(std::string_view identifier) { return quoted(identifier); }

std::string sqlite_orphan_condition(const SourceForeignKey& fk) {
    std::string not_null, match;
    for (std::size_t i = 0; i < fk.columns.size(); ++i) {
        const std::string child = "c." + sqlite_quote(fk.columns[i]);
        not_null += child + " IS NOT NULL AND ";
        if (i < fk.parent_columns.size())
            match += std::string(i == 0 ? "" : " AND ") + "p." + sqlite_quote(fk.parent_columns[i]) + " = " + child;
    }
    if (match.empty()) match = "1";
    return "(" + not_null + "NOT EXISTS (SELECT 1 FROM " + sqlite_quote(fk.parent_table) + " AS p WHERE " + match + "))";
}

std::string sqlite_select_rows(const std::string& table, const std::vector<std::string>& columns, bool with_rowid,
                               const std::vector<const SourceForeignKey*>& orphan_checks) {
    std::string out = "SELECT ";
    bool first = true;
    auto add = [&](const std::string& e) {
        out += (first ? "" : ", ") + e;
        first = false;
    };
    if (with_rowid) add("c.rowid");
    for (const auto& col : columns) add("c." + sqlite_quote(col));
    for (const auto* fk : orphan_checks) add(sqlite_orphan_condition(*fk));
    if (first) add("1");
    return out + " FROM " + sqlite_quote(table) + " AS c";
}

std::string sqlite_count_orphans(const std::string& table, const SourceForeignKey& fk) {
    return "SELECT count(*) FROM " + sqlite_quote(table) + " AS c WHERE " + sqlite_orphan_condition(fk);
}

std::string sqlite_select_fk_pairs(const std::string& child, const std::vector<std::string>& child_columns,
                                   const SourceForeignKey& fk, const std::string& parent,
                                   const std::vector<std::string>& parent_columns) {
    std::string out = "SELECT ";
    bool first = true;
    for (const auto& col : child_columns) {
        out += (first ? "" : ", ") + std::string("c.") + sqlite_quote(col);
        first = false;
    }
    for (const auto& col : parent_columns) {
        out += (first ? "" : ", ") + std::string("p.") + sqlite_quote(col);
        first = false;
    }
    if (first) out += "1";
    out += " FROM " + sqlite_quote(child) + " AS c JOIN " + sqlite_quote(parent) + " AS p ON ";
    for (std::size_t i = 0; i < fk.columns.size() && i < fk.parent_columns.size(); ++i)
        out += std::string(i == 0 ? "" : " AND ") + "p." + sqlite_quote(fk.parent_columns[i]) + " = c." +
               sqlite_quote(fk.columns[i]);
    return out;
}

std::string pg_quote(std::string_view identifier) { return quoted(identifier); }
std::string pg_qualified(std::string_view schema, std::string_view table) { return pg_quote(schema) + "." + pg_quote(table); }

std::string pg_create_schema(std::string_view schema) { return "CREATE SCHEMA IF NOT EXISTS " + pg_quote(schema); }
std::string pg_table_has_rows(std::string_view schema, std::string_view table) {
    return "SELECT EXISTS (SELECT 1 FROM " + pg_qualified(schema, table) + ")";
}
std::string pg_drop_table(std::string_view schema, std::string_view table) {
    return "DROP TABLE IF EXISTS " + pg_qualified(schema, table) + " CASCADE";
}
std::string pg_truncate_tables(std::string_view schema, const std::vector<std::string>& tables) {
    std::string out = "TRUNCATE TABLE ";
    for (std::size_t i = 0; i < tables.size(); ++i) out += (i == 0 ? "" : ", ") + pg_qualified(schema, tables[i]);
    return out;
}

std::string pg_create_table(std::string_view schema, std::string_view table, const std::vector<PgColumnDef>& columns) {
    std::string out = "CREATE TABLE " + pg_qualified(schema, table) + " (";
    for (std::size_t i = 0; i < columns.size(); ++i) {
        out += (i == 0 ? "" : ", ") + pg_quote(columns[i].name) + " " + std::string(to_sql(columns[i].type));
        if (columns[i].not_null) out += " NOT NULL";
    }
    return out + ")";
}

std::string pg_copy_from_stdin(std::string_view schema, std::string_view table, const std::vector<std::string>& columns) {
    return "COPY " + pg_qualified(schema, table) + " (" + pg_column_list(columns) + ") FROM STDIN";
}

std::string pg_add_primary_key(std::string_view schema, std::string_view table, const std::vector<std::string>& columns) {
    return "ALTER TABLE " + pg_qualified(schema, table) + " ADD PRIMARY KEY (" + pg_column_list(columns) + ")";
}
std::string pg_add_unique(std::string_view schema, std::string_view table, const std::vector<std::string>& columns) {
    return "ALTER TABLE " + pg_qualified(schema, table) + " ADD UNIQUE (" + pg_column_list(columns) + ")";
}

std::string pg_create_index(std::string_view schema, std::string_view table, std::string_view name, bool unique,
                            std::string_view elements, std::string_view where) {
    std::string out = std::string("CREATE ") + (unique ? "UNIQUE " : "") + "INDEX " + pg_quote(name) + " ON " +
                      pg_qualified(schema, table) + " (" + std::string(elements) + ")";
    if (!where.empty()) out += " WHERE " + std::string(where);
    return out;
}

std::string pg_add_foreign_key(std::string_view schema, std::string_view table, std::string_view name,
                               const std::vector<std::string>& columns, std::string_view parent,
                               const std::vector<std::string>& parent_columns, bool not_valid) {
    std::string out = "ALTER TABLE " + pg_qualified(schema, table) + " ADD CONSTRAINT " + pg_quote(name) + " FOREIGN KEY (" +
                      pg_column_list(columns) +
                      ") REFERENCES " + pg_qualified(schema, parent) + " (" + pg_column_list(parent_columns) + ")";
    if (not_valid) out += " NOT VALID";
    return out;
}

std::string pg_validate_constraint(std::string_view schema, std::string_view table, std::string_view name) {
    return "ALTER TABLE " + pg_qualified(schema, table) + " VALIDATE CONSTRAINT " + pg_quote(name);
}

std::string pg_add_identity(std::string_view schema, std::string_view table, std::string_view column, long long start) {
    return "ALTER TABLE " + pg_qualified(schema, table) + " ALTER COLUMN " + pg_quote(column) +
           " ADD GENERATED BY DEFAULT AS IDENTITY (START WITH " + std::to_string(start) + ")";
}

std::string pg_max_value(std::string_view schema, std::string_view table, std::string_view column) {
    return "SELECT coalesce(max(" + pg_quote(column) + "), 0) FROM " + pg_qualified(schema, table);
}

std::string pg_verify_expression(std::string_view alias, std::string_view column, PgType type) {
    const std::string ref = std::string(alias) + "." + pg_quote(column);
    if (type == PgType::timestamptz) return "to_char(" + ref + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";
    return ref;
}

std::string pg_copy_out(std::string_view select) { return "COPY (" + std::string(select) + ") TO STDOUT"; }

std::string pg_select_columns(std::string_view schema, std::string_view table, const std::vector<std::string>& expressions) {
    std::string out = "SELECT ";
    for (std::size_t i = 0; i < expressions.size(); ++i) out += (i == 0 ? "" : ", ") + expressions[i];
    if (expressions.empty()) out += "1";
    return out + " FROM " + pg_qualified(schema, table) + " AS c";
}

std::string pg_select_fk_pairs(std::string_view schema, std::string_view child, const std::vector<std::string>& child_expressions,
                               std::string_view parent, const std::vector<std::string>& parent_expressions,
                               const std::vector<std::string>& fk_columns, const std::vector<std::string>& parent_columns) {
    std::string out = "SELECT ";
    bool first = true;
    for (const auto& e : child_expressions) {
        out += (first ? "" : ", ") + e;
        first = false;
    }
    for (const auto& e : parent_expressions) {
        out += (first ? "" : ", ") + e;
        first = false;
    }
    if (first) out += "1";
    out += " FROM " + pg_qualified(schema, child) + " AS c JOIN " + pg_qualified(schema, parent) + " AS p ON ";
    for (std::size_t i = 0; i < fk_columns.size() && i < parent_columns.size(); ++i)
        out += std::string(i == 0 ? "" : " AND ") + "p." + pg_quote(parent_columns[i]) + " = c." + pg_quote(fk_columns[i]);
    return out;
}

}  // namespace aaiti::migrate::sql
