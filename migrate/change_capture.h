#pragma once
// Change capture in the SQLite source, for --incremental / --finish: a change log table "_aaiti_changes"
// (seq, table, op, primary key values) and AFTER INSERT/UPDATE/DELETE triggers "_aaiti_capture_<op>_<table>"
// on every migrated table. These are the only writes migrate ever makes to the source; --finish removes
// them (by hand: DROP TRIGGER "_aaiti_capture_..." for each, then DROP TABLE "_aaiti_changes").
#include <memory>
#include <string>
#include <vector>

#include "migrate/report.h"
#include "migrate/source_schema.h"

namespace SQLite {
class Database;
}

namespace aaiti::migrate {

// Installs the log and the triggers in one transaction (idempotent). Throws IoError (74) when the source
// cannot be written. Returns one object per trigger for the report.
std::vector<ObjectReport> install_change_capture(const std::string& path, const SourceSchema& schema);

// A write transaction on the source (BEGIN IMMEDIATE): held by --finish across the last replay, so the
// application's writes wait (busy timeout) instead of landing after it; then the capture objects are
// dropped and the transaction commits. Destroyed without commit(): rolled back, capture kept.
class CaptureRemoval {
public:
    explicit CaptureRemoval(const std::string& path);
    ~CaptureRemoval();
    CaptureRemoval(const CaptureRemoval&) = delete;
    CaptureRemoval& operator=(const CaptureRemoval&) = delete;
    // Drops the triggers and the log and commits; returns what was removed, for the report.
    std::vector<ObjectReport> remove_and_commit();

private:
    std::string path_;
    std::unique_ptr<SQLite::Database> db_;
    bool open_ = false;
};

// Whether the source holds the change log.
bool change_log_exists(SQLite::Database& db);

}  // namespace aaiti::migrate
