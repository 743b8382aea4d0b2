#pragma once
// Readiness checks behind GET /ready: each a named function a service registers (database ping,
// Redis ping, ...). /ready runs them on the worker pool (they may block) and answers 200 when all
// pass, 503 with each check's result otherwise.
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace aaiti::kit {

struct CheckResult {
    bool ok = true;
    std::string detail;  // why it failed (shown in the /ready body: no secrets)
    static CheckResult healthy() { return {}; }
    static CheckResult failed(std::string why) { return {false, std::move(why)}; }
};

using ReadinessCheck = std::function<CheckResult()>;

class ReadinessChecks {
public:
    void add(std::string name, ReadinessCheck check);

    struct Report {
        bool ok = true;
        std::string body;  // {"status":"ok|unavailable","checks":{"db":{"status":"ok"},...}}
    };
    // Runs every check in registration order; an exception from a check counts as its failure.
    // `draining` reports the server as unavailable so load balancers stop sending work.
    Report run(bool draining = false) const;

private:
    std::vector<std::pair<std::string, ReadinessCheck>> checks_;
};

}  // namespace aaiti::kit
