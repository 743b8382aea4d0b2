#include "healthcheck/incident_tracker.h"

namespace aaiti::health {

std::string_view to_string(AlertKind kind) {
    switch (kind) {
    case AlertKind::failure: return "failure";
    case AlertKind::reminder: return "reminder";
    case AlertKind::recovery: return "recovery";
    }
    return "?";
}

std::string_view to_string(TargetStatus status) {
    switch (status) {
    case TargetStatus::up: return "up";
    case TargetStatus::failing: return "failing";
    case TargetStatus::down: return "down";
    case TargetStatus::recovering: return "recovering";
    }
    return "?";
}

TargetStatus status_of(const TargetState& s) {
    if (s.healthy) return s.last_success ? TargetStatus::up : TargetStatus::failing;
    return s.last_success ? TargetStatus::recovering : TargetStatus::down;
}

std::vector<AlertEvent> apply_round(HealthState& state, const std::vector<ProbeResult>& results, const Thresholds& thresholds,
                                    std::int64_t now) {
    std::vector<AlertEvent> events;
    for (const auto& r : results) {
        TargetState& s = state.targets[r.target];
        s.last_checked_at = now;
        s.last_success = r.success;
        s.last_cause = r.success ? "" : r.failure_cause();
        s.last_latency_seconds = static_cast<double>(r.latency.count()) / 1e6;
        if (!r.success) {
            s.consecutive_successes = 0;
            if (s.consecutive_failures++ == 0 && s.healthy) s.failing_since = now;
            if (s.healthy && s.consecutive_failures >= thresholds.failure) {
                s.healthy = false;
                s.open_incident = Incident{s.failing_since, 0, s.last_cause};
                s.last_alert_at = now;
                events.push_back({AlertKind::failure, r.target, s.last_cause, s.failing_since, now, 0});
            } else if (!s.healthy && thresholds.reminder.count() > 0 && s.open_incident &&
                       now - s.last_alert_at >= thresholds.reminder.count()) {
                s.last_alert_at = now;
                events.push_back({AlertKind::reminder, r.target, s.last_cause, s.open_incident->started_at, now, 0});
            }
            continue;
        }
        s.consecutive_failures = 0;
        ++s.consecutive_successes;
        if (s.healthy) {
            s.failing_since = 0;
            continue;
        }
        if (s.consecutive_successes < thresholds.success) continue;
        s.healthy = true;
        s.failing_since = 0;
        if (s.open_incident) {
            Incident closed = *s.open_incident;
            closed.ended_at = now;
            events.push_back({AlertKind::recovery, r.target, closed.cause, closed.started_at, now, now - closed.started_at});
            s.past_incidents.push_back(closed);
            if (s.past_incidents.size() > k_kept_incidents) s.past_incidents.erase(s.past_incidents.begin());
            s.open_incident.reset();
        }
        s.last_alert_at = 0;
    }
    return events;
}

}  // namespace aaiti::health
