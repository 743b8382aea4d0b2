#pragma once
// Reading the SQLite schema: every table (WITHOUT ROWID included), its columns with declared types,
// primary key, foreign keys (composite ones grouped), unique constraints and indexes (partial and
// expression indexes keep their CREATE INDEX text), plus views and triggers.
#include "migrate/source_schema.h"

namespace SQLite {
class Database;
}

namespace aaiti::migrate {

// Throws DataError/IoError (via throw_source_error) when the file cannot be read.
SourceSchema introspect_sqlite(SQLite::Database& db, const std::string& path);

}  // namespace aaiti::migrate
