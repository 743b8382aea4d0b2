#pragma once
// What a round looks like to a person (table rows), a script (JSON), Nagios (one line + perfdata)
// and the shell (exit code).
#include <cstdint>
#include <string>
#include <vector>

#include "healthcheck/incident_tracker.h"
#include "healthcheck/probe_result.h"

namespace aaiti::health {

struct RoundView {
    const std::vector<Target>& targets;
    const std::vector<ProbeResult>& results;  // same order as targets
    const HealthState& state;                 // after apply_round
    std::int64_t checked_at = 0;
};

// {"checked_at","healthy","targets":[{"name","kind","url","status","success","connected","latency_ms",
//   "http_status","error","failed_condition","conditions":[{"condition","passed","observed"}],
//   "consecutive_failures","consecutive_successes","incident":{"started","cause","duration_seconds"}|null}]}
std::string report_json(const RoundView& view);

std::vector<std::string> report_table_header();  // TARGET KIND STATUS LATENCY DETAIL
std::vector<std::vector<std::string>> report_table_rows(const RoundView& view);

// 0 when every target is up, 1 otherwise.
int report_exit_code(const RoundView& view);

// Nagios plugin semantics: OK (0) every target up; CRITICAL (2) any target down (past the failure
// threshold); WARNING (1) otherwise (failing below the threshold, or recovering). `line` is
// "HEALTH OK - 3/3 up | api=0.012s;;;0 ...".
struct NagiosResult {
    int code = 3;
    std::string line;
};
NagiosResult nagios_result(const RoundView& view);

}  // namespace aaiti::health
