#pragma once
// The --rejects file: one JSON object per line for every rejected row and every orphan key that was set
// NULL, so nothing is dropped silently. Shared by the load workers (writes are serialised).
#include <cstdint>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "migrate/source_value.h"

namespace aaiti::migrate {

class RejectsFile {
public:
    // Empty path: records are counted but not written. Throws IoError when the file cannot be created.
    explicit RejectsFile(const std::string& path);

    // `row` holds the source columns' names and values; `rowid` is absent for WITHOUT ROWID tables.
    void write(const std::string& table, const std::string& kind, const std::string& reason,
               std::optional<std::int64_t> rowid, const std::vector<std::string>& columns, const std::vector<SourceValue>& row);
    std::int64_t records() const;
    void close();  // flushes; throws IoError if writing failed

private:
    std::string path_;
    std::ofstream out_;
    mutable std::mutex mutex_;
    std::int64_t records_ = 0;
};

}  // namespace aaiti::migrate
