#include "healthcheck/probe_metrics.h"

#include "common/metrics.h"

namespace aaiti::health {

void export_probe_metrics(metrics::Registry& registry, const std::vector<ProbeResult>& results, const HealthState& state) {
    auto& up = registry.gauge("aaiti_probe_up", "1 when the latest probe and all its conditions passed.", {"target", "kind"});
    auto& duration = registry.gauge("aaiti_probe_duration_seconds", "Duration of the latest probe.", {"target", "kind"});
    auto& healthy = registry.gauge("aaiti_target_healthy", "0 while the target is past its failure threshold.", {"target", "kind"});
    for (const auto& r : results) {
        const std::string kind(to_string(r.kind));
        up.with({r.target, kind}).set(r.success ? 1 : 0);
        duration.with({r.target, kind}).set(static_cast<double>(r.latency.count()) / 1e6);
        const auto it = state.targets.find(r.target);
        healthy.with({r.target, kind}).set(it == state.targets.end() || it->second.healthy ? 1 : 0);
    }
}

}  // namespace aaiti::health
