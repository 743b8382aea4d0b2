#pragma once
// What one probe of one target observed, and how its conditions judged it.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "healthcheck/target.h"

namespace aaiti::health {

struct ConditionOutcome {
    std::string condition;  // as written, without the target prefix: "status == 200"
    bool passed = false;
    std::string observed;   // "500", "312ms", "missing", "no connection: Connection refused"
};

struct ProbeResult {
    std::string target;
    ProbeKind kind = ProbeKind::http;
    bool connected = false;           // the transport worked (HTTP answered, PG/Redis replied, TCP connected)
    std::string error;                // why not, when !connected (or the server's error reply)
    std::chrono::microseconds latency{0};
    long status = 0;                  // HTTP status
    std::string body;                 // HTTP body (first 1 MiB)
    std::optional<std::int64_t> cert_expiry_seconds;     // https: seconds until the leaf certificate expires
    std::optional<double> replication_lag_seconds;       // postgres standby: now() - last replayed commit
    std::vector<ConditionOutcome> conditions;
    bool success = false;             // connected and every condition passed

    // "no connection: <error>" when the transport failed, else the first failed condition as
    // "status == 200 (observed 500)".
    std::string failure_cause() const;
};

}  // namespace aaiti::health
