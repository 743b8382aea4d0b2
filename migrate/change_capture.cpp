#include "migrate/change_capture.h"

#include <sqlite3.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <algorithm>

#include "common/error.h"
#include "common/logging.h"
#include "migrate/sql.h"
#include "migrate/sqlite_source.h"

namespace aaiti::migrate {
namespace {

constexpr const char* k_ops[] = {"insert", "update", "delete"};

std::unique_ptr<SQLite::Database> open_writable(const std::string& path, const std::string& why) {
    open_source_database(path, false);  // the same checks and messages as every other open
    try {
        auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE);
        db->setBusyTimeout(10000);
        return db;
    } catch (const SQLite::Exception& e) {
        throw IoError("migrate: source \"" + path + "\" cannot be opened for writing, which " + why + " needs: " + e.what());
    }
}

[[noreturn]] void throw_write_error(const SQLite::Exception& e, const std::string& path, const std::string& what) {
    const int code = e.getErrorCode() & 0xff;
    if (code == SQLITE_READONLY || code == SQLITE_PERM || code == SQLITE_CANTOPEN || code == SQLITE_IOERR)
        throw IoError("migrate: source \"" + path + "\": " + what + ": " + e.what());
    throw_source_error(e, path, what);
}

}  // namespace

bool change_log_exists(SQLite::Database& db) {
    SQLite::Statement q(db, std::string(sql::k_sqlite_changes_exists));
    return q.executeStep() && q.getColumn(0).getInt() > 0;
}

std::vector<ObjectReport> install_change_capture(const std::string& path, const SourceSchema& schema) {
    auto db = open_writable(path, "--incremental (it installs change-capture triggers)");
    std::vector<ObjectReport> out;
    try {
        SQLite::Transaction tx(*db);
        std::size_t widest = 1;
        for (const auto& t : schema.tables) widest = std::max(widest, t.primary_key.size());
        db->exec(sql::sqlite_create_changes_table(widest));
        for (const auto& t : schema.tables) {
            for (const char* op : k_ops) {
                ObjectReport o;
                o.kind = "capture trigger";
                o.table = t.name;
                o.name = sql::sqlite_capture_trigger_name(t.name, op);
                o.sql = sql::sqlite_create_capture_trigger(t.name, op, t.primary_key);
                db->exec(o.sql);
                o.created = true;
                o.reason = "installed in the source; removed by --finish";
                out.push_back(std::move(o));
            }
        }
        tx.commit();
    } catch (const SQLite::Exception& e) {
        throw_write_error(e, path, "installing the change-capture triggers");
    }
    logging::info("change capture installed in the source", {{"triggers", static_cast<std::int64_t>(out.size())}});
    return out;
}

CaptureRemoval::CaptureRemoval(const std::string& path) : path_(path), db_(open_writable(path, "--finish (it removes the triggers)")) {
    try {
        db_->exec("BEGIN IMMEDIATE");
        open_ = true;
    } catch (const SQLite::Exception& e) {
        throw_write_error(e, path, "locking the source for the final sync");
    }
}

CaptureRemoval::~CaptureRemoval() {
    if (!open_) return;
    try {
        db_->exec("ROLLBACK");
    } catch (const SQLite::Exception&) {
        // Closing the connection rolls back as well.
    }
}

std::vector<ObjectReport> CaptureRemoval::remove_and_commit() {
    std::vector<ObjectReport> out;
    try {
        std::vector<std::string> names;
        {
            SQLite::Statement list(*db_, std::string(sql::k_sqlite_list_capture_triggers));
            while (list.executeStep()) names.push_back(list.getColumn(0).getString());
        }
        for (const auto& name : names) {
            db_->exec(sql::sqlite_drop_trigger(name));
            ObjectReport o;
            o.kind = "capture trigger";
            o.name = name;
            o.sql = sql::sqlite_drop_trigger(name);
            o.reason = "removed from the source (--finish)";
            out.push_back(std::move(o));
        }
        db_->exec(std::string(sql::k_sqlite_drop_changes_table));
        db_->exec("COMMIT");
        open_ = false;
    } catch (const SQLite::Exception& e) {
        throw_write_error(e, path_, "removing the change-capture triggers");
    }
    logging::info("change capture removed from the source", {{"triggers", static_cast<std::int64_t>(out.size())}});
    return out;
}

}  // namespace aaiti::migrate
