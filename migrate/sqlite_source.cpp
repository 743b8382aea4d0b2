#include "migrate/sqlite_source.h"

#include <sqlite3.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "migrate/sql.h"

namespace aaiti::migrate {

void throw_source_error(const SQLite::Exception& e, const std::string& path, const std::string& what) {
    const int code = e.getErrorCode() & 0xff;
    const std::string message = "migrate: source \"" + path + "\": " + what + ": " + e.what();
    if (code == SQLITE_IOERR || code == SQLITE_CANTOPEN || code == SQLITE_PERM || code == SQLITE_AUTH)
        throw IoError(message);
    if (code == SQLITE_NOTADB) throw DataError("migrate: source \"" + path + "\" is not a SQLite database (" + e.what() + ")");
    if (code == SQLITE_CORRUPT)
        throw DataError("migrate: source \"" + path + "\" is corrupt (" + std::string(e.what()) +
                        "); repair it with `sqlite3 FILE .recover` first");
    throw DataError(message);
}

std::unique_ptr<SQLite::Database> open_source_database(const std::string& path, bool check_integrity) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status))
        throw DataError("migrate: source \"" + path + "\" does not exist; pass --source PATH or set SQLITE_DB_PATH");
    if (!fs::is_regular_file(status)) throw DataError("migrate: source \"" + path + "\" is not a regular file");
    if (::access(path.c_str(), R_OK) != 0)
        throw IoError("migrate: source \"" + path + "\" is not readable: " + std::strerror(errno));

    // SQLite happily "opens" any file and only fails on the first read; check the header ourselves so the
    // message is plain. A database file always starts with these 16 bytes.
    std::array<char, 16> header{};
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError("migrate: source \"" + path + "\" cannot be opened: " + std::strerror(errno));
    in.read(header.data(), header.size());
    if (in.gcount() != static_cast<std::streamsize>(header.size()) ||
        std::memcmp(header.data(), "SQLite format 3", 16) != 0)
        throw DataError("migrate: source \"" + path + "\" is not a SQLite database (no SQLite header)");

    try {
        // NOMUTEX: each connection is used by one thread only; SQLite's per-call mutex showed in profiles.
        auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX);
        db->setBusyTimeout(5000);
        if (check_integrity) {
            SQLite::Statement check(*db, std::string(sql::k_sqlite_quick_check));
            std::string problems;
            int shown = 0;
            while (check.executeStep()) {
                const std::string line = check.getColumn(0).getString();
                if (line == "ok") continue;
                if (shown++ < 3) problems += (problems.empty() ? "" : "; ") + line;
            }
            if (!problems.empty())
                throw DataError("migrate: source \"" + path + "\" is corrupt (quick_check: " + problems +
                                "); repair it with `sqlite3 FILE .recover` first");
        } else {
            SQLite::Statement probe(*db, "SELECT count(*) FROM sqlite_master");
            probe.executeStep();
        }
        return db;
    } catch (const SQLite::Exception& e) {
        throw_source_error(e, path, "opening");
    }
}

}  // namespace aaiti::migrate
