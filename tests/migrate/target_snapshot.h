#pragma once
// What a migrated schema holds, in comparable form: per table its row count and a digest of every row as
// text (UUIDs included), plus its constraints and indexes. Two runs that should give the same target must
// give equal snapshots. The state table is left out (it is the run's bookkeeping, not data).
#include <map>
#include <string>

namespace aaiti::test {

struct TargetSnapshot {
    std::map<std::string, std::string> tables;  // name -> "rows:md5"
    std::string constraints;                    // one line per constraint: table, name, definition
    std::string indexes;                        // one CREATE INDEX per line
};

TargetSnapshot snapshot_target(const std::string& url, const std::string& schema = "public");

}  // namespace aaiti::test
