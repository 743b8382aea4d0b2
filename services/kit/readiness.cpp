#include "services/kit/readiness.h"

#include <condition_variable>
#include <exception>
#include <future>
#include <system_error>
#include <thread>

#include "services/kit/response.h"

namespace aaiti::kit {

struct ReadinessChecks::Outcome {
    std::mutex mutex;
    std::condition_variable done_signal;
    bool done = false;
    CheckResult result;
};

namespace {

CheckResult call_check(const ReadinessCheck& check) {
    try {
        return check();
    } catch (const std::exception& e) {
        return CheckResult::failed(e.what());
    } catch (...) {
        return CheckResult::failed("unknown exception");
    }
}

}  // namespace

void ReadinessChecks::add(std::string name, ReadinessCheck check) {
    std::lock_guard lock(mutex_);
    checks_.push_back({std::move(name), std::move(check), nullptr});
}

ReadinessChecks::Started ReadinessChecks::start_checks() {
    // Start every check that is not already running; remember each one's outcome to wait on (none:
    // still running from an earlier probe).
    Started started;
    for (Entry& entry : checks_) {
        if (entry.running) {
            std::lock_guard outcome_lock(entry.running->mutex);
            if (!entry.running->done) {
                started.emplace_back(entry.name, nullptr);
                continue;
            }
        }
        auto outcome = std::make_shared<Outcome>();
        entry.running = outcome;
        // Detached: a hung check must not hold /ready (or shutdown) hostage; it owns what it uses.
        std::thread([outcome, check = entry.check] {
            CheckResult result = call_check(check);
            std::lock_guard outcome_lock(outcome->mutex);
            outcome->result = std::move(result);
            outcome->done = true;
            outcome->done_signal.notify_all();
        }).detach();
        started.emplace_back(entry.name, std::move(outcome));
    }
    return started;
}

namespace {

struct Collected {
    bool ok = true;
    std::string checks;  // the members of "checks":{...}
};

template <typename Started>
Collected collect(const Started& started, std::chrono::milliseconds timeout) {
    Collected c;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (const auto& [name, outcome] : started) {
        CheckResult r;
        if (!outcome) {
            r = CheckResult::failed("still running from an earlier probe");
        } else {
            std::unique_lock lock(outcome->mutex);
            if (outcome->done_signal.wait_until(lock, deadline, [&] { return outcome->done; }))
                r = outcome->result;
            else
                r = CheckResult::failed("no answer within " + std::to_string(timeout.count()) + " ms");
        }
        c.ok = c.ok && r.ok;
        if (!c.checks.empty()) c.checks += ',';
        c.checks += json_quote(name);
        c.checks += r.ok ? R"(:{"status":"ok")" : R"(:{"status":"error")";
        if (!r.detail.empty()) c.checks += R"(,"detail":)" + json_quote(r.detail);
        c.checks += '}';
    }
    return c;
}

ReadinessChecks::Report make_report(const Collected& c, bool draining) {
    ReadinessChecks::Report report;
    report.ok = c.ok && !draining;
    report.body = std::string(R"({"status":")") + (report.ok ? "ok" : draining ? "draining" : "unavailable") +
                  R"(","checks":{)" + c.checks + "}}";
    return report;
}

}  // namespace

struct ReadinessChecks::Round {
    std::mutex mutex;  // held while the report is handed to the waiters, so close() waits for that
    bool delivered = false;
    std::vector<std::pair<bool, std::function<void(Report)>>> waiters;  // (draining, done)

    // With `mutex` held. `closing`: every waiter is answered as draining, whatever it asked.
    void deliver(const Collected& c, bool closing = false) {
        delivered = true;
        for (auto& [draining, done] : waiters) done(make_report(c, draining || closing));
        waiters.clear();
    }
};

void ReadinessChecks::run_async(bool draining, std::chrono::milliseconds timeout, std::function<void(Report)> done) {
    std::unique_lock lock(mutex_);
    if (closed_) {
        lock.unlock();
        done(make_report({}, true));
        return;
    }
    if (round_) {
        std::lock_guard round_lock(round_->mutex);
        if (!round_->delivered) {
            round_->waiters.emplace_back(draining, std::move(done));
            return;
        }
    }
    auto round = std::make_shared<Round>();
    round->waiters.emplace_back(draining, std::move(done));
    round_ = round;
    Started started = start_checks();
    lock.unlock();
    if (started.empty()) {  // nothing to wait for: no thread
        std::lock_guard round_lock(round->mutex);
        round->deliver({});
        return;
    }
    auto wait_and_deliver = [round, timeout](const Started& checks) {
        const Collected c = collect(checks, timeout);
        std::lock_guard round_lock(round->mutex);
        if (!round->delivered) round->deliver(c);  // else close() answered them
    };
    try {
        // Owns only the round and the outcomes: it may outlive this object (close() answers the
        // waiters first).
        std::thread([wait_and_deliver, started]() mutable { wait_and_deliver(started); }).detach();
    } catch (const std::system_error& e) {  // no thread to wait with: say so rather than hang
        std::lock_guard round_lock(round->mutex);
        round->deliver({false, R"("readiness":{"status":"error","detail":)" + json_quote(e.what()) + "}"});
    }
}

ReadinessChecks::Report ReadinessChecks::run(bool draining, std::chrono::milliseconds timeout) {
    std::promise<Report> promise;
    auto future = promise.get_future();
    run_async(draining, timeout, [&promise](Report r) { promise.set_value(std::move(r)); });
    return future.get();
}

void ReadinessChecks::close() {
    std::shared_ptr<Round> round;
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
        round = round_;
    }
    if (!round) return;
    std::lock_guard round_lock(round->mutex);
    if (!round->delivered) round->deliver({}, true);
}

}  // namespace aaiti::kit
