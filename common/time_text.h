#pragma once
// Times as reports, alerts, logs and JSON APIs print them.
#include <cstdint>
#include <string>

namespace aaiti {

// Unix seconds -> "2026-11-26T01:30:45Z": ISO 8601 / RFC 3339 in UTC, whole seconds, a literal 'Z'.
// The CLI's reports, health alerts and state files, and aaiti-auth's JSON all use this one shape.
std::string format_utc(std::int64_t unix_seconds);

}  // namespace aaiti
