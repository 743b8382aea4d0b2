#pragma once
// The words of an alert, shared by every channel: which target, what failed, since when; a reminder
// says how long it has lasted; a recovery gives the downtime.
#include <string>

#include "healthcheck/incident_tracker.h"

namespace aaiti::health {

// One line, e.g.
//   "[aaiti] api is DOWN: status == 200 (observed 500), since 2026-11-26T01:00:00Z"
//   "[aaiti] api is still DOWN after 30m 0s: status == 200 (observed 500), since 2026-11-26T01:00:00Z"
//   "[aaiti] api RECOVERED after 3m 5s of downtime (down since 2026-11-26T01:00:00Z)"
std::string alert_text(const AlertEvent& event);
// A mail subject: "[aaiti] DOWN: api" / "[aaiti] still DOWN: api" / "[aaiti] RECOVERED: api".
std::string alert_subject(const AlertEvent& event);

}  // namespace aaiti::health
