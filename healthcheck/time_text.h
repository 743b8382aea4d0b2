#pragma once
// Times as people and scripts read them in reports and alerts.
#include <cstdint>
#include <string>

namespace aaiti::health {

// Unix seconds -> "2026-11-26T01:02:03Z".
std::string format_utc(std::int64_t unix_seconds);
// Seconds -> "45s", "3m 5s", "2h 0m", "1d 4h".
std::string format_span(std::int64_t seconds);

}  // namespace aaiti::health
