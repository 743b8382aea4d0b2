#include "migrate/source_schema.h"

#include <strings.h>

namespace aaiti::migrate {
namespace {
// SQLite matches identifiers case-insensitively (ASCII), so references do too.
bool same_name(const std::string& a, const std::string& b) { return strcasecmp(a.c_str(), b.c_str()) == 0; }
}  // namespace

const SourceColumn* SourceTable::column(const std::string& column_name) const {
    const int i = column_index(column_name);
    return i < 0 ? nullptr : &columns[static_cast<std::size_t>(i)];
}

int SourceTable::column_index(const std::string& column_name) const {
    for (std::size_t i = 0; i < columns.size(); ++i)
        if (same_name(columns[i].name, column_name)) return static_cast<int>(i);
    return -1;
}

const SourceTable* SourceSchema::table(const std::string& table_name) const {
    for (const auto& t : tables)
        if (same_name(t.name, table_name)) return &t;
    return nullptr;
}

}  // namespace aaiti::migrate
