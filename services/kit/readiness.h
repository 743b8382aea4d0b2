#pragma once
// Readiness checks behind GET /ready: each a named function a service registers (database ping,
// Redis ping, ...). /ready runs them on the worker pool (they may block) and answers 200 when all
// pass, 503 with each check's result otherwise.
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
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
    // Runs every check at once, each on its own thread, and waits at most `timeout` for each: a
    // check that throws or takes longer counts as failed. A check still running from an earlier probe
    // is not started again (it fails as "still running"), so a hung dependency costs one thread, not
    // one per probe. `draining` reports the server as unavailable so load balancers stop sending work.
    Report run(bool draining = false, std::chrono::milliseconds timeout = std::chrono::seconds(2));

private:
    struct Outcome;  // one run of one check, shared with the thread running it
    struct Entry {
        std::string name;
        ReadinessCheck check;
        std::shared_ptr<Outcome> running;  // the run in progress, if any
    };
    std::mutex mutex_;
    std::vector<Entry> checks_;
};

}  // namespace aaiti::kit
