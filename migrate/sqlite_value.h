#pragma once
// SQLite column -> SourceValue, shared by profiling, loading and verification. Reads through the raw
// sqlite3_stmt: SQLiteCpp's getColumn() copies a shared_ptr per value, which showed in profiles of
// million-row tables.
#include <sqlite3.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <string>

#include "migrate/source_value.h"

namespace aaiti::migrate {

// The returned view is valid until the statement steps again.
inline SourceValue read_source_value(sqlite3_stmt* statement, int index) {
    switch (sqlite3_column_type(statement, index)) {
        case SQLITE_INTEGER: return SourceValue::of_integer(sqlite3_column_int64(statement, index));
        case SQLITE_FLOAT: return SourceValue::of_real(sqlite3_column_double(statement, index));
        case SQLITE_TEXT: {
            // text before bytes, as SQLite's documentation asks.
            const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, index));
            return SourceValue::of_text(std::string_view(text ? text : "", static_cast<std::size_t>(sqlite3_column_bytes(statement, index))));
        }
        case SQLITE_BLOB: {
            const auto* data = static_cast<const char*>(sqlite3_column_blob(statement, index));
            return SourceValue::of_blob(std::string_view(data ? data : "", static_cast<std::size_t>(sqlite3_column_bytes(statement, index))));
        }
        default: return SourceValue::null();
    }
}

// A prepared statement for the row loops (SQLiteCpp keeps its sqlite3_stmt private). Errors are thrown
// as SQLite::Exception, like SQLiteCpp's, so throw_source_error maps them the same way.
class RowStatement {
public:
    RowStatement(SQLite::Database& db, const std::string& sql) : db_(db.getHandle()) {
        const int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr);
        if (rc != SQLITE_OK) throw SQLite::Exception(db_, rc);
    }
    ~RowStatement() { sqlite3_finalize(stmt_); }
    RowStatement(const RowStatement&) = delete;
    RowStatement& operator=(const RowStatement&) = delete;

    // Parameters are 1-based, as in SQLite. Text and blobs are copied (SQLITE_TRANSIENT).
    void bind(int index, const SourceValue& v) {
        int rc = SQLITE_OK;
        switch (v.storage) {
            case StorageClass::null: rc = sqlite3_bind_null(stmt_, index); break;
            case StorageClass::integer: rc = sqlite3_bind_int64(stmt_, index, v.integer); break;
            case StorageClass::real: rc = sqlite3_bind_double(stmt_, index, v.real); break;
            case StorageClass::text:
                rc = sqlite3_bind_text64(stmt_, index, v.bytes.data(), v.bytes.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
                break;
            case StorageClass::blob: rc = sqlite3_bind_blob64(stmt_, index, v.bytes.data(), v.bytes.size(), SQLITE_TRANSIENT); break;
        }
        if (rc != SQLITE_OK) throw SQLite::Exception(db_, rc);
    }

    bool step() {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        throw SQLite::Exception(db_, rc);
    }
    sqlite3_stmt* get() const { return stmt_; }
    SourceValue value(int index) const { return read_source_value(stmt_, index); }
    std::int64_t integer(int index) const { return sqlite3_column_int64(stmt_, index); }

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace aaiti::migrate
