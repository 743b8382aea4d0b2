#include "migrate/introspect.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <algorithm>
#include <cctype>

#include "common/logging.h"
#include "migrate/generated_columns.h"
#include "migrate/sql.h"
#include "migrate/sqlite_source.h"

namespace aaiti::migrate {
namespace {

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}

// WITHOUT ROWID is a table option after the closing parenthesis of the column list.
bool is_without_rowid(const std::string& create_sql) {
    const std::string u = upper(create_sql);
    const auto close = u.rfind(')');
    if (close == std::string::npos) return false;
    const std::string tail = u.substr(close);
    const auto w = tail.find("WITHOUT");
    return w != std::string::npos && tail.find("ROWID", w) != std::string::npos;
}

void read_columns(SQLite::Database& db, SourceTable& t) {
    SQLite::Statement q(db, std::string(sql::k_sqlite_table_columns));
    q.bind(1, t.name);
    std::vector<std::pair<int, std::string>> pk;
    while (q.executeStep()) {
        SourceColumn c;
        c.name = q.getColumn(0).getString();
        c.declared_type = q.getColumn(1).getString();
        c.not_null = q.getColumn(2).getInt() != 0;
        c.pk_position = q.getColumn(3).getInt();
        if (const int hidden = q.getColumn(4).getInt(); hidden == 2 || hidden == 3) {
            c.generated = hidden == 3 ? "STORED" : "VIRTUAL";
            c.generation_expression = generation_expression(t.sql, c.name);
        }
        if (c.pk_position > 0) pk.emplace_back(c.pk_position, c.name);
        t.columns.push_back(std::move(c));
    }
    std::sort(pk.begin(), pk.end());
    for (auto& [pos, name] : pk) t.primary_key.push_back(name);
}

void read_foreign_keys(SQLite::Database& db, SourceTable& t) {
    SQLite::Statement q(db, std::string(sql::k_sqlite_foreign_keys));
    q.bind(1, t.name);
    while (q.executeStep()) {
        const int id = q.getColumn(0).getInt();
        if (t.foreign_keys.empty() || t.foreign_keys.back().id != id) {
            t.foreign_keys.push_back({});
            t.foreign_keys.back().id = id;
            t.foreign_keys.back().parent_table = q.getColumn(1).getString();
        }
        auto& fk = t.foreign_keys.back();
        fk.columns.push_back(q.getColumn(2).getString());
        // "to" is NULL when the constraint names only the parent table: it then means the parent's key.
        fk.parent_columns.push_back(q.getColumn(3).isNull() ? std::string() : q.getColumn(3).getString());
    }
}

void read_indexes(SQLite::Database& db, SourceTable& t) {
    SQLite::Statement list(db, std::string(sql::k_sqlite_index_list));
    list.bind(1, t.name);
    while (list.executeStep()) {
        SourceIndex ix;
        ix.name = list.getColumn(0).getString();
        ix.unique = list.getColumn(1).getInt() != 0;
        ix.origin = list.getColumn(2).getString();
        ix.partial = list.getColumn(3).getInt() != 0;
        t.indexes.push_back(std::move(ix));
    }
    for (auto& ix : t.indexes) {
        SQLite::Statement cols(db, std::string(sql::k_sqlite_index_columns));
        cols.bind(1, ix.name);
        while (cols.executeStep()) {
            const int cid = cols.getColumn(0).getInt();
            if (cid == -2) ix.has_expressions = true;
            ix.columns.push_back(cid >= 0 ? cols.getColumn(1).getString() : std::string());
            ix.descending.push_back(cols.getColumn(2).getInt() != 0);
        }
        SQLite::Statement text(db, std::string(sql::k_sqlite_index_sql));
        text.bind(1, ix.name);
        if (text.executeStep()) ix.sql = text.getColumn(0).getString();
    }
}

// A foreign key that names only the parent table refers to the parent's primary key. Names in a
// constraint may be spelled in any case (SQLite ignores it); PostgreSQL will not, so every name is
// replaced by the spelling of the table or column it designates.
void resolve_foreign_key_names(SourceSchema& schema) {
    for (auto& t : schema.tables) {
        for (auto& fk : t.foreign_keys) {
            for (auto& c : fk.columns)
                if (const auto* col = t.column(c)) c = col->name;
            const SourceTable* parent = schema.table(fk.parent_table);
            if (!parent) continue;
            fk.parent_table = parent->name;
            for (std::size_t i = 0; i < fk.parent_columns.size(); ++i) {
                if (fk.parent_columns[i].empty() && i < parent->primary_key.size()) fk.parent_columns[i] = parent->primary_key[i];
                if (const auto* col = parent->column(fk.parent_columns[i])) fk.parent_columns[i] = col->name;
            }
        }
    }
}

}  // namespace

SourceSchema introspect_sqlite(SQLite::Database& db, const std::string& path) {
    SourceSchema schema;
    try {
        SQLite::Statement tables(db, std::string(sql::k_sqlite_list_tables));
        while (tables.executeStep()) {
            SourceTable t;
            t.name = tables.getColumn(0).getString();
            t.sql = tables.getColumn(1).getString();
            if (upper(t.sql).rfind("CREATE VIRTUAL TABLE", 0) == 0) {
                // Virtual tables (FTS, R*Tree) have no PostgreSQL equivalent; list them with the views.
                schema.views_and_triggers.push_back({"virtual table", t.name, t.name, t.sql});
                continue;
            }
            t.without_rowid = is_without_rowid(t.sql);
            schema.tables.push_back(std::move(t));
        }
        for (auto& t : schema.tables) {
            read_columns(db, t);
            read_foreign_keys(db, t);
            read_indexes(db, t);
        }
        resolve_foreign_key_names(schema);
        SQLite::Statement objects(db, std::string(sql::k_sqlite_views_and_triggers));
        while (objects.executeStep())
            schema.views_and_triggers.push_back({objects.getColumn(0).getString(), objects.getColumn(1).getString(),
                                                 objects.getColumn(2).getString(), objects.getColumn(3).getString()});
    } catch (const SQLite::Exception& e) {
        throw_source_error(e, path, "reading the schema");
    }
    logging::debug("source introspected", {{"tables", static_cast<std::int64_t>(schema.tables.size())}});
    return schema;
}

}  // namespace aaiti::migrate
