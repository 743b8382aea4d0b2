#pragma once
// Readiness checks behind GET /ready: each a named function a service registers (database ping,
// Redis ping, ...). /ready answers 200 when all pass, 503 with each check's result otherwise. The
// checks may block, so each runs on a thread of its own and /ready waits for them asynchronously:
// it never occupies an I/O thread or a worker-pool thread (a pool busy with logins must not make
// the probe time out).
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
    // Blocks the calling thread until the report is in (tests; /ready uses run_async).
    Report run(bool draining = false, std::chrono::milliseconds timeout = std::chrono::seconds(2));

    // The same run without blocking: returns at once and calls `done` exactly once with the report,
    // from a thread of its own (or from the caller's when there is nothing to wait for). A probe that
    // arrives while a run is in progress joins it instead of starting the checks again, so a flood
    // of probes costs at most one waiting thread plus one per check. `done` must not call back into
    // this object.
    void run_async(bool draining, std::chrono::milliseconds timeout, std::function<void(Report)> done);

    // Answers every probe still waiting as draining and makes later ones answer so at once, without
    // running the checks: the server is going away, and its responders must be answered before its
    // I/O threads stop. Waits for a report being delivered on another thread. Idempotent.
    void close();

private:
    struct Outcome;  // one run of one check, shared with the thread running it
    struct Round;    // one run of every check and the probes waiting for it
    using Started = std::vector<std::pair<std::string, std::shared_ptr<Outcome>>>;
    Started start_checks();  // with mutex_ held
    struct Entry {
        std::string name;
        ReadinessCheck check;
        std::shared_ptr<Outcome> running;  // the run in progress, if any
    };
    std::mutex mutex_;
    std::vector<Entry> checks_;
    std::shared_ptr<Round> round_;  // the latest run; joined while it has not been delivered
    bool closed_ = false;
};

}  // namespace aaiti::kit
