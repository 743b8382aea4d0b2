#pragma once
// Prometheus series of the latest round, for --serve:
//   aaiti_probe_up{target,kind}                1 when the probe and all its conditions passed
//   aaiti_probe_duration_seconds{target,kind}  how long the probe took
//   aaiti_target_healthy{target,kind}          1 unless the target is past its failure threshold
#include <vector>

#include "healthcheck/incident_tracker.h"
#include "healthcheck/probe_result.h"

namespace aaiti::metrics {
class Registry;
}

namespace aaiti::health {

void export_probe_metrics(metrics::Registry& registry, const std::vector<ProbeResult>& results, const HealthState& state);

}  // namespace aaiti::health
