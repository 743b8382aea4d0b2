#include "migrate/profile.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include "migrate/sql.h"
#include "migrate/sqlite_source.h"
#include "migrate/sqlite_value.h"

namespace aaiti::migrate {

bool foreign_key_resolvable(const SourceSchema& schema, const SourceForeignKey& fk) {
    const SourceTable* parent = schema.table(fk.parent_table);
    if (!parent) return false;
    for (const auto& c : fk.parent_columns)
        if (c.empty() || !parent->column(c)) return false;
    return true;
}

TableProfile profile_table(SQLite::Database& db, const std::string& path, const SourceSchema& schema, const SourceTable& table) {
    TableProfile profile;
    profile.columns.resize(table.columns.size());
    for (std::size_t i = 0; i < table.columns.size(); ++i)
        profile.columns[i].declared = classify_declared_type(table.columns[i].declared_type);
    const bool with_rowid = !table.without_rowid;
    try {
        std::vector<std::string> names;
        for (const auto& c : table.columns) names.push_back(c.name);
        RowStatement rows(db, sql::sqlite_select_rows(table.name, names, with_rowid, {}));
        const int first = with_rowid ? 1 : 0;
        while (rows.step()) {
            ++profile.rows;
            const std::int64_t row = with_rowid ? rows.integer(0) : profile.rows;
            for (std::size_t i = 0; i < table.columns.size(); ++i)
                observe_value(profile.columns[i], rows.value(first + static_cast<int>(i)), row, with_rowid);
        }
        for (const auto& fk : table.foreign_keys) {
            if (!foreign_key_resolvable(schema, fk)) {
                profile.orphans.push_back(-1);
                continue;
            }
            SQLite::Statement count(db, sql::sqlite_count_orphans(table.name, fk));
            count.executeStep();
            profile.orphans.push_back(count.getColumn(0).getInt64());
        }
    } catch (const SQLite::Exception& e) {
        throw_source_error(e, path, "reading table \"" + table.name + "\"");
    }
    return profile;
}

}  // namespace aaiti::migrate
