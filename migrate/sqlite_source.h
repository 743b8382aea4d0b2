#pragma once
// Opening the source SQLite file read-only, and turning SQLite's failures into our exit codes:
// missing / not SQLite / corrupt -> DataError (65), unreadable -> IoError (74).
#include <memory>
#include <string>

namespace SQLite {
class Database;
class Exception;
}  // namespace SQLite

namespace aaiti::migrate {

// Checks the file (exists, regular, readable, SQLite header) and opens it read-only. With
// `check_integrity`, runs PRAGMA quick_check so corruption is found before anything is written.
std::unique_ptr<SQLite::Database> open_source_database(const std::string& path, bool check_integrity);

// Rethrows a SQLite exception met while reading `what` as DataError or IoError.
[[noreturn]] void throw_source_error(const SQLite::Exception& e, const std::string& path, const std::string& what);

}  // namespace aaiti::migrate
