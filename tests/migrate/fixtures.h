#pragma once
// SQLite files for the migrate tests: a copy of the chinook dataset, and a hostile database built
// here that exercises every rule of issue 3 (dynamic typing, huge integers, orphans, self-references,
// composite and WITHOUT ROWID keys, a key that is also a foreign key, tables without keys, odd names, NUL bytes, mixed timestamps,
// BLOBs, JSON, infinities, partial and expression indexes, a view and a trigger).
#include <filesystem>
#include <string>

namespace aaiti::test::migrate_fixtures {

// $AAITI_SOURCE_DIR/../shared/datasets/chinook.sqlite copied into `dir` (the original stays read-only).
std::string copy_chinook(const std::filesystem::path& dir);

// Writes the hostile database to dir/hostile.sqlite and returns its path. Its contents are listed in
// fixtures.cpp; the tests refer to them by name.
std::string build_hostile(const std::filesystem::path& dir);

// Writes dir/big.sqlite: enough rows for many --batch-rows batches in every kind of table: a rowid parent
// (20k), a rowid child referencing it (60k, one orphan), a WITHOUT ROWID table with a composite text+int
// key and BLOBs (30k, batches in key order), and a table without a key holding duplicates (30k).
std::string build_big(const std::filesystem::path& dir);

}  // namespace aaiti::test::migrate_fixtures
