#pragma once
// Backup ids sort by time as plain strings: "20261126T013045Z-1f4a" (UTC start second, then its
// milliseconds as 3 hex digits and one random hex digit, so two backups started in the same second
// still sort in start order and practically never collide).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aaiti::backup {

std::string make_backup_id(std::int64_t unix_ms);
bool is_backup_id(std::string_view text);
// The start time an id encodes (Unix seconds), or nullopt.
std::optional<std::int64_t> backup_id_time(std::string_view id);

// "2026-11-26T01:30:45Z", "2026-11-26 01:30:45", with an optional zone offset ("+02:00"), or a backup
// id. A bare date ("2026-11-26", the seed's `restore.sh <backup-date>`) means that whole UTC day: its
// last second, 23:59:59Z, so `--at` a date chooses the newest backup taken on or before that day.
// Throws UsageError naming the text.
std::int64_t parse_time_argument(std::string_view text);

}  // namespace aaiti::backup
