#pragma once
// HTTP(S) probes of a whole round on one curl multi handle: every request is in flight at once and
// each is bounded by `timeout` (connect included), so one slow target never delays another.
#include <chrono>
#include <vector>

#include "healthcheck/probe_result.h"

namespace aaiti::health {

// One result per target, in the order given. Conditions are not evaluated here.
std::vector<ProbeResult> probe_http_targets(const std::vector<const Target*>& targets, std::chrono::milliseconds timeout);

}  // namespace aaiti::health
