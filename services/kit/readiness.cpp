#include "services/kit/readiness.h"

#include <condition_variable>
#include <exception>
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

ReadinessChecks::Report ReadinessChecks::run(bool draining, std::chrono::milliseconds timeout) {
    // Start every check that is not already running; remember each one's outcome to wait on.
    std::vector<std::pair<std::string, std::shared_ptr<Outcome>>> started;
    std::vector<std::string> still_running;
    {
        std::lock_guard lock(mutex_);
        for (Entry& entry : checks_) {
            if (entry.running) {
                std::lock_guard outcome_lock(entry.running->mutex);
                if (!entry.running->done) {
                    still_running.push_back(entry.name);
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
    }

    Report report;
    std::string checks;
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
        report.ok = report.ok && r.ok;
        if (!checks.empty()) checks += ',';
        checks += json_quote(name);
        checks += r.ok ? R"(:{"status":"ok")" : R"(:{"status":"error")";
        if (!r.detail.empty()) checks += R"(,"detail":)" + json_quote(r.detail);
        checks += '}';
    }
    if (draining) report.ok = false;
    report.body = std::string(R"({"status":")") + (report.ok ? "ok" : draining ? "draining" : "unavailable") +
                  R"(","checks":{)" + checks + "}}";
    return report;
}

}  // namespace aaiti::kit
