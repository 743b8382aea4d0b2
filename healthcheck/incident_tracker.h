#pragma once
// Thresholds and incidents, Gatus-style: a target turns unhealthy after `failure` consecutive failed
// probes and healthy again after `success` consecutive good ones. An incident opens when it turns
// unhealthy (its start is the first failed probe of that run) and closes when it turns healthy.
// Alerts are events of these transitions, so repeated `--once` runs with the same state never alert
// twice for one incident.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "healthcheck/probe_result.h"

namespace aaiti::health {

struct Thresholds {
    int failure = 3;
    int success = 2;
    std::chrono::seconds reminder{0};  // 0: no reminders
};

struct Incident {
    std::int64_t started_at = 0;  // unix seconds of the first failed probe
    std::int64_t ended_at = 0;    // 0 while open
    std::string cause;            // the first failed condition when it opened
};

struct TargetState {
    bool healthy = true;
    int consecutive_failures = 0;
    int consecutive_successes = 0;
    std::int64_t failing_since = 0;        // first failure of the current run of failures, 0 if none
    std::optional<Incident> open_incident;
    std::int64_t last_alert_at = 0;        // failure or reminder sent for the open incident
    std::vector<Incident> past_incidents;  // newest last, at most k_kept_incidents
    // The latest probe, for reports and --serve.
    std::int64_t last_checked_at = 0;
    bool last_success = false;
    std::string last_cause;
    double last_latency_seconds = 0;
};

inline constexpr std::size_t k_kept_incidents = 20;

struct HealthState {
    std::map<std::string, TargetState> targets;
};

enum class AlertKind { failure, reminder, recovery };
std::string_view to_string(AlertKind kind);

struct AlertEvent {
    AlertKind kind = AlertKind::failure;
    std::string target;
    std::string cause;          // failure/reminder: the failed condition with what was observed
    std::int64_t since = 0;     // incident start
    std::int64_t at = 0;        // when this event happened
    std::int64_t downtime = 0;  // recovery: seconds from start to end
};

// Folds one round into the state and returns the alerts it calls for. `now` is unix seconds.
std::vector<AlertEvent> apply_round(HealthState& state, const std::vector<ProbeResult>& results, const Thresholds& thresholds,
                                    std::int64_t now);

// How a target stands after a round, for reports and exit codes.
enum class TargetStatus { up, failing, down, recovering };
std::string_view to_string(TargetStatus status);
TargetStatus status_of(const TargetState& state);

}  // namespace aaiti::health
