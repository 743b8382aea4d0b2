#include "services/kit/readiness.h"

#include <exception>

#include "services/kit/response.h"

namespace aaiti::kit {

void ReadinessChecks::add(std::string name, ReadinessCheck check) { checks_.emplace_back(std::move(name), std::move(check)); }

ReadinessChecks::Report ReadinessChecks::run(bool draining) const {
    Report report;
    std::string checks;
    for (const auto& [name, check] : checks_) {
        CheckResult r;
        try {
            r = check();
        } catch (const std::exception& e) {
            r = CheckResult::failed(e.what());
        } catch (...) {
            r = CheckResult::failed("unknown exception");
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
