#include "migrate/sql.h"

#include <algorithm>

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
    return sqlite_select_rows(table, columns, with_rowid ? "rowid" : "", orphan_checks, "", {});
}

std::string sqlite_select_rows(const std::string& table, const std::vector<std::string>& columns, const std::string& rowid,
                               const std::vector<const SourceForeignKey*>& orphan_checks, const std::string& where,
                               const std::vector<std::string>& order_by) {
    std::string out = "SELECT ";
    bool first = true;
    auto add = [&](const std::string& e) {
        out += (first ? "" : ", ") + e;
        first = false;
    };
    // rowid, _rowid_ and oid are keywords, not identifiers: quoting one would name a column instead.
    if (!rowid.empty()) add("c." + rowid);
    for (const auto& col : columns) add("c." + sqlite_quote(col));
    for (const auto* fk : orphan_checks) add(sqlite_orphan_condition(*fk));
    if (first) add("1");
    out += " FROM " + sqlite_quote(table) + " AS c";
    if (!where.empty()) out += " WHERE " + where;
    for (std::size_t i = 0; i < order_by.size(); ++i) out += (i == 0 ? " ORDER BY " : ", ") + order_by[i];
    return out;
}

std::string sqlite_after_key(const std::vector<std::string>& key_columns) {
    std::string lhs, rhs;
    for (std::size_t i = 0; i < key_columns.size(); ++i) {
        lhs += (i == 0 ? "" : ", ") + std::string("c.") + sqlite_quote(key_columns[i]);
        rhs += i == 0 ? "?" : ", ?";
    }
    return "(" + lhs + ") > (" + rhs + ")";
}

namespace {

// A string literal for SQLite DDL, where no parameter can be bound (trigger bodies).
std::string sqlite_literal(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "'";
}

}  // namespace

std::string sqlite_create_changes_table(std::size_t key_columns) {
    std::string out = "CREATE TABLE IF NOT EXISTS \"_aaiti_changes\" (seq INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, "
                      "op TEXT NOT NULL";
    for (std::size_t i = 1; i <= std::max<std::size_t>(key_columns, 1); ++i) out += ", k" + std::to_string(i);
    return out + ")";
}

std::string sqlite_capture_trigger_name(const std::string& table, const std::string& op) {
    return std::string(k_sqlite_capture_prefix) + op + "_" + table;
}

std::string sqlite_create_capture_trigger(const std::string& table, const std::string& op, const std::vector<std::string>& key_columns) {
    const std::string event = op == "insert" ? "INSERT" : op == "update" ? "UPDATE" : "DELETE";
    auto log_row = [&](const char* row) {
        std::string cols = "tbl, op", values = sqlite_literal(table) + ", " + sqlite_literal(op);
        for (std::size_t i = 0; i < key_columns.size(); ++i) {
            cols += ", k" + std::to_string(i + 1);
            values += std::string(", ") + row + "." + sqlite_quote(key_columns[i]);
        }
        return "INSERT INTO \"_aaiti_changes\" (" + cols + ") VALUES (" + values + "); ";
    };
    std::string body;
    if (op == "insert") body = log_row("NEW");
    else if (op == "delete") body = log_row("OLD");
    else body = key_columns.empty() ? log_row("NEW") : log_row("OLD") + log_row("NEW");
    return "CREATE TRIGGER IF NOT EXISTS " + sqlite_quote(sqlite_capture_trigger_name(table, op)) + " AFTER " + event + " ON " +
           sqlite_quote(table) + " BEGIN " + body + "END";
}

std::string sqlite_drop_trigger(const std::string& name) { return "DROP TRIGGER IF EXISTS " + sqlite_quote(name); }

std::string sqlite_changed_keys(std::size_t key_columns) {
    std::string out = "SELECT DISTINCT ";
    for (std::size_t i = 1; i <= key_columns; ++i) out += (i == 1 ? "k" : ", k") + std::to_string(i);
    return out + " FROM \"_aaiti_changes\" WHERE tbl = ? AND seq > ? AND seq <= ?";
}

std::string sqlite_row_changed(const std::vector<std::string>& key_columns) {
    std::string out = "EXISTS (SELECT 1 FROM \"_aaiti_changes\" AS x WHERE x.tbl = ? AND x.seq > ? AND x.seq <= ?";
    for (std::size_t i = 0; i < key_columns.size(); ++i)
        out += " AND x.k" + std::to_string(i + 1) + " IS c." + sqlite_quote(key_columns[i]);
    return out + ")";
}

std::string sqlite_count_orphans(const std::string& table, const SourceForeignKey& fk) {
    return "SELECT count(*) FROM " + sqlite_quote(table) + " AS c WHERE " + sqlite_orphan_condition(fk);
}

std::string sqlite_select_fk_pairs(const std::string& child, const std::vector<std::string>& child_columns,
                                   const SourceForeignKey& fk, const std::string& parent,
                                   const std::vector<std::string>& parent_columns, const std::string& parent_identity) {
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
    if (!parent_identity.empty()) out += ", " + parent_identity;
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

namespace {
std::string pg_column_def(const PgColumnDef& c) {
    std::string out = pg_quote(c.name) + " " + std::string(to_sql(c.type));
    if (c.not_null) out += " NOT NULL";
    if (!c.generated_expression.empty()) out += " GENERATED ALWAYS AS (" + c.generated_expression + ") STORED";
    return out;
}
}  // namespace

std::string pg_create_table(std::string_view schema, std::string_view table, const std::vector<PgColumnDef>& columns) {
    std::string out = "CREATE TABLE " + pg_qualified(schema, table) + " (";
    for (std::size_t i = 0; i < columns.size(); ++i) {
        out += (i == 0 ? "" : ", ") + pg_column_def(columns[i]);
    }
    return out + ")";
}
std::string pg_create_probe_table(const std::vector<PgColumnDef>& columns) {
    std::string out = "CREATE TEMPORARY TABLE \"aaiti_generated_probe\" (";
    for (std::size_t i = 0; i < columns.size(); ++i) out += (i == 0 ? "" : ", ") + pg_column_def(columns[i]);
    return out + ") ON COMMIT DROP";
}

std::string pg_copy_from_stdin(std::string_view schema, std::string_view table, const std::vector<std::string>& columns) {
    return "COPY " + pg_qualified(schema, table) + " (" + pg_column_list(columns) + ") FROM STDIN";
}

std::string pg_add_primary_key(std::string_view schema, std::string_view table, const std::vector<std::string>& columns) {
    return "ALTER TABLE " + pg_qualified(schema, table) + " ADD PRIMARY KEY (" + pg_column_list(columns) + ")";
}
std::string pg_set_search_path(std::string_view schema) { return "SET search_path TO " + pg_quote(schema) + ", public"; }
std::string pg_create_view(std::string_view schema, std::string_view name, std::string_view select_body) {
    return "CREATE OR REPLACE VIEW " + pg_qualified(schema, name) + " AS " + std::string(select_body);
}
std::string pg_create_trigger_function(std::string_view schema, std::string_view function,
                                       const std::vector<std::string>& statements, std::string_view returns) {
    std::string body = "BEGIN\n";
    for (const auto& s : statements) body += "  " + s + ";\n";
    body += "  RETURN " + std::string(returns) + ";\nEND";
    // A dollar-quote tag that the body does not contain.
    std::string tag = "$aaiti$";
    while (body.find(tag) != std::string::npos) tag.insert(tag.size() - 1, "_");
    return "CREATE OR REPLACE FUNCTION " + pg_qualified(schema, function) + "() RETURNS trigger LANGUAGE plpgsql SET search_path = " +
           pg_quote(schema) + " AS " + tag + "\n" + body + "\n" + tag;
}
std::string pg_drop_trigger(std::string_view schema, std::string_view table, std::string_view name) {
    return "DROP TRIGGER IF EXISTS " + pg_quote(name) + " ON " + pg_qualified(schema, table);
}
std::string pg_create_trigger(std::string_view schema, std::string_view name, std::string_view timing, std::string_view event,
                              const std::vector<std::string>& update_columns, std::string_view table, std::string_view when,
                              std::string_view function) {
    std::string out = "CREATE TRIGGER " + pg_quote(name) + " " + std::string(timing) + " " + std::string(event);
    if (!update_columns.empty()) out += " OF " + pg_column_list(update_columns);
    out += " ON " + pg_qualified(schema, table) + " FOR EACH ROW";
    if (!when.empty()) out += " WHEN (" + std::string(when) + ")";
    return out + " EXECUTE FUNCTION " + pg_qualified(schema, function) + "()";
}
std::string pg_prepare_check(const std::vector<std::string>& parameter_types, std::string_view statement) {
    std::string out = "PREPARE aaiti_trigger_check";
    for (std::size_t i = 0; i < parameter_types.size(); ++i) out += (i == 0 ? " (" : ", ") + parameter_types[i];
    if (!parameter_types.empty()) out += ")";
    return out + " AS " + std::string(statement);
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
                               const std::vector<std::string>& parent_columns, bool not_valid, bool deferrable) {
    std::string out = "ALTER TABLE " + pg_qualified(schema, table) + " ADD CONSTRAINT " + pg_quote(name) + " FOREIGN KEY (" +
                      pg_column_list(columns) +
                      ") REFERENCES " + pg_qualified(schema, parent) + " (" + pg_column_list(parent_columns) + ")";
    if (deferrable) out += " DEFERRABLE INITIALLY IMMEDIATE";
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

std::string pg_state_create(std::string_view schema) {
    // One row for the run (kind 'run', name ''), one per table. Everything a resumed or incremental run
    // must know is here, committed in the same transaction as the rows it describes.
    return "CREATE TABLE " + pg_qualified(schema, k_pg_state_table) +
           " (kind text NOT NULL, name text NOT NULL, phase text NOT NULL, cursor text, "
           "rows_read bigint NOT NULL DEFAULT 0, rows_written bigint NOT NULL DEFAULT 0, rows_rejected bigint NOT NULL DEFAULT 0, "
           "counts text, kept boolean NOT NULL DEFAULT false, run_id text, source text, fingerprint text, options text, "
           "profile text, applied_seq bigint NOT NULL DEFAULT 0, updated_at timestamptz NOT NULL DEFAULT now(), "
           "PRIMARY KEY (kind, name))";
}
std::string pg_state_drop(std::string_view schema) { return "DROP TABLE IF EXISTS " + pg_qualified(schema, k_pg_state_table); }
std::string pg_state_insert_run(std::string_view schema) {
    return "INSERT INTO " + pg_qualified(schema, k_pg_state_table) +
           " (kind, name, phase, run_id, source, fingerprint, options) VALUES ('run', '', $1, $2, $3, $4, $5)";
}
std::string pg_state_insert_table(std::string_view schema) {
    return "INSERT INTO " + pg_qualified(schema, k_pg_state_table) + " (kind, name, phase, kept, profile) VALUES ('table', $1, 'pending', $2, $3)";
}
std::string pg_state_select(std::string_view schema) {
    return "SELECT kind, name, phase, coalesce(cursor, ''), rows_read, rows_written, rows_rejected, coalesce(counts, ''), kept, "
           "coalesce(run_id, ''), coalesce(source, ''), coalesce(fingerprint, ''), coalesce(options, ''), coalesce(profile, ''), "
           "applied_seq FROM " +
           pg_qualified(schema, k_pg_state_table) + " ORDER BY kind, name";
}
std::string pg_state_set_table_progress(std::string_view schema) {
    return "UPDATE " + pg_qualified(schema, k_pg_state_table) +
           " SET phase = $2, cursor = $3, rows_read = $4, rows_written = $5, rows_rejected = $6, counts = $7, updated_at = now() "
           "WHERE kind = 'table' AND name = $1";
}
std::string pg_state_set_table_phase(std::string_view schema) {
    return "UPDATE " + pg_qualified(schema, k_pg_state_table) + " SET phase = $2, updated_at = now() WHERE kind = 'table' AND name = $1";
}
std::string pg_state_set_run_phase(std::string_view schema) {
    return "UPDATE " + pg_qualified(schema, k_pg_state_table) + " SET phase = $1, updated_at = now() WHERE kind = 'run'";
}
std::string pg_state_set_applied_seq(std::string_view schema) {
    return "UPDATE " + pg_qualified(schema, k_pg_state_table) + " SET applied_seq = $1, updated_at = now() WHERE kind = 'run'";
}

std::string pg_drop_constraint(std::string_view schema, std::string_view table, std::string_view name) {
    return "ALTER TABLE " + pg_qualified(schema, table) + " DROP CONSTRAINT IF EXISTS " + pg_quote(name);
}
std::string pg_drop_index(std::string_view schema, std::string_view index) { return "DROP INDEX IF EXISTS " + pg_qualified(schema, index); }
std::string pg_drop_identity(std::string_view schema, std::string_view table, std::string_view column) {
    return "ALTER TABLE " + pg_qualified(schema, table) + " ALTER COLUMN " + pg_quote(column) + " DROP IDENTITY IF EXISTS";
}
std::string pg_truncate_table(std::string_view schema, std::string_view table) { return "TRUNCATE TABLE " + pg_qualified(schema, table); }
std::string pg_delete_all(std::string_view schema, std::string_view table) { return "DELETE FROM " + pg_qualified(schema, table); }
std::string pg_delete_by_key(std::string_view schema, std::string_view table, const std::vector<std::string>& columns) {
    std::string out = "DELETE FROM " + pg_qualified(schema, table) + " WHERE ";
    for (std::size_t i = 0; i < columns.size(); ++i)
        out += (i == 0 ? "" : " AND ") + pg_quote(columns[i]) + " = $" + std::to_string(i + 1);
    return out;
}
std::string pg_restart_identity(std::string_view schema, std::string_view table, std::string_view column, long long start) {
    return "ALTER TABLE " + pg_qualified(schema, table) + " ALTER COLUMN " + pg_quote(column) + " RESTART WITH " + std::to_string(start);
}

std::string pg_verify_expression(std::string_view alias, std::string_view column, PgType) {
    // Every type in its plain output form: the client normalises (timestamptz under k_pg_session_iso_dates
    // and UTC); formatting in the server (to_char) cost it more than the rest of the query.
    return std::string(alias) + "." + pg_quote(column);
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
                               const std::vector<std::string>& fk_columns, const std::vector<std::string>& parent_columns,
                               bool parent_ctid) {
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
    if (parent_ctid) out += ", p.ctid";
    out += " FROM " + pg_qualified(schema, child) + " AS c JOIN " + pg_qualified(schema, parent) + " AS p ON ";
    for (std::size_t i = 0; i < fk_columns.size() && i < parent_columns.size(); ++i)
        out += std::string(i == 0 ? "" : " AND ") + "p." + pg_quote(parent_columns[i]) + " = c." + pg_quote(fk_columns[i]);
    return out;
}

}  // namespace aaiti::migrate::sql
