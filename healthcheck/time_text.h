#pragma once
// Durations as people read them in reports and alerts (timestamps: common/time_text.h).
#include <cstdint>
#include <string>

namespace aaiti::health {

// Seconds -> "45s", "3m 5s", "2h 0m", "1d 4h".
std::string format_span(std::int64_t seconds);

}  // namespace aaiti::health
