#pragma once
// The --state file: the incident state as JSON, so that `aaitictl health --once` from cron keeps
// incidents across runs and never alerts twice for one. Written atomically (temporary file, fsync,
// rename), so a crash leaves the old state or the new one, never half of one.
#include <string>

#include "healthcheck/incident_tracker.h"

namespace aaiti::health {

// A missing file is an empty state. Throws DataError naming the file when it is not a state file,
// IoError when it cannot be read.
HealthState load_state(const std::string& path);
// Throws IoError naming the file.
void save_state(const std::string& path, const HealthState& state);

// The state as the JSON document the file holds (also served by --serve at /state).
std::string state_to_json(const HealthState& state);
HealthState state_from_json(const std::string& text, const std::string& origin);

}  // namespace aaiti::health
