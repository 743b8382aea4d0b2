#pragma once
// One round: every target probed at once, then judged by its conditions.
#include <chrono>
#include <vector>

#include "healthcheck/condition.h"
#include "healthcheck/probe_result.h"

namespace aaiti::health {

struct ProbePlan {
    std::vector<Target> targets;
    std::vector<Condition> conditions;  // all of them; each names its target or "*"
    std::chrono::milliseconds timeout{2000};
};

// Throws UsageError when two targets share a name, a condition names no target, or there is no target.
void validate_plan(const ProbePlan& plan);

// HTTP targets go on one curl multi handle on this thread; PostgreSQL, Redis and TCP probes run on
// one thread each, all started before the HTTP transfers. The round ends when the slowest probe ends,
// which is at most about `timeout` after it started. Results come in target order.
std::vector<ProbeResult> run_probe_round(const ProbePlan& plan);

}  // namespace aaiti::health
