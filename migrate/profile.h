#pragma once
// Profiling the data before planning: one streaming pass per table over every value (storage classes,
// integer range, timestamp/JSON/boolean shape, NUL bytes), and a count of orphans per foreign key.
// Memory stays bounded: values are looked at one at a time, never kept.
#include <cstdint>
#include <string>
#include <vector>

#include "migrate/source_schema.h"
#include "migrate/type_mapping.h"

namespace SQLite {
class Database;
}

namespace aaiti::migrate {

struct TableProfile {
    std::int64_t rows = 0;
    std::vector<ColumnProfile> columns;  // parallel to SourceTable::columns
    // Parallel to SourceTable::foreign_keys: rows whose key has no parent (-1: the parent is missing).
    std::vector<std::int64_t> orphans;
};

TableProfile profile_table(SQLite::Database& db, const std::string& path, const SourceSchema& schema, const SourceTable& table);

// True when every parent column of `fk` exists in an existing parent table.
bool foreign_key_resolvable(const SourceSchema& schema, const SourceForeignKey& fk);

}  // namespace aaiti::migrate
