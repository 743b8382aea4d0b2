#include "healthcheck/probe_round.h"

#include <set>
#include <thread>

#include "common/error.h"
#include "healthcheck/http_prober.h"
#include "healthcheck/service_probers.h"

namespace aaiti::health {

void validate_plan(const ProbePlan& plan) {
    if (plan.targets.empty())
        throw UsageError("health: no targets; give --target NAME=URL, --stack FILE or --from-gateway URL");
    std::set<std::string> names;
    for (const auto& t : plan.targets)
        if (!names.insert(t.name).second) throw UsageError("health: two targets are named \"" + t.name + "\"");
    for (const auto& c : plan.conditions)
        if (c.target != "*" && names.count(c.target) == 0)
            throw UsageError("health: condition \"" + c.target + ": " + c.text + "\" names no target \"" + c.target + "\"");
    if (plan.timeout.count() <= 0) throw UsageError("health: --timeout must be positive");
}

std::vector<ProbeResult> run_probe_round(const ProbePlan& plan) {
    std::vector<ProbeResult> results(plan.targets.size());
    std::vector<std::thread> threads;
    std::vector<const Target*> http_targets;
    std::vector<std::size_t> http_slots;
    for (std::size_t i = 0; i < plan.targets.size(); ++i) {
        const Target& target = plan.targets[i];
        ProbeResult* slot = &results[i];
        switch (target.kind) {
        case ProbeKind::http:
            http_targets.push_back(&target);
            http_slots.push_back(i);
            break;
        case ProbeKind::postgres:
            threads.emplace_back([&target, slot, &plan] { *slot = probe_postgres(target, plan.timeout); });
            break;
        case ProbeKind::redis:
            threads.emplace_back([&target, slot, &plan] { *slot = probe_redis(target, plan.timeout); });
            break;
        case ProbeKind::tcp:
            threads.emplace_back([&target, slot, &plan] { *slot = probe_tcp(target, plan.timeout); });
            break;
        }
    }
    if (!http_targets.empty()) {
        auto http_results = probe_http_targets(http_targets, plan.timeout);
        for (std::size_t k = 0; k < http_slots.size(); ++k) results[http_slots[k]] = std::move(http_results[k]);
    }
    for (auto& t : threads) t.join();

    for (std::size_t i = 0; i < plan.targets.size(); ++i) {
        ProbeResult& r = results[i];
        bool all_passed = r.connected;
        for (const auto& condition : conditions_for(plan.targets[i], plan.conditions)) {
            r.conditions.push_back(evaluate(condition, r));
            all_passed = all_passed && r.conditions.back().passed;
        }
        // `connected == false` may be exactly what a user checks for (a port that must stay closed).
        if (!r.connected) {
            all_passed = true;
            for (const auto& c : r.conditions) all_passed = all_passed && c.passed;
        }
        r.success = all_passed;
    }
    return results;
}

}  // namespace aaiti::health
