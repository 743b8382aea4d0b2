#include "healthcheck/report.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/secrets.h"
#include "common/time_text.h"

namespace aaiti::health {
namespace {

using nlohmann::json;

const TargetState& state_of(const RoundView& view, const std::string& name) {
    static const TargetState none;
    const auto it = view.state.targets.find(name);
    return it == view.state.targets.end() ? none : it->second;
}

std::string milliseconds(const ProbeResult& r) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1fms", static_cast<double>(r.latency.count()) / 1000.0);
    return text;
}

}  // namespace

std::string report_json(const RoundView& view) {
    json targets = json::array();
    bool healthy = true;
    for (std::size_t i = 0; i < view.targets.size(); ++i) {
        const Target& target = view.targets[i];
        const ProbeResult& r = view.results[i];
        const TargetState& s = state_of(view, target.name);
        const TargetStatus status = status_of(s);
        healthy = healthy && status == TargetStatus::up;
        json conditions = json::array();
        for (const auto& c : r.conditions) conditions.push_back({{"condition", c.condition}, {"passed", c.passed}, {"observed", c.observed}});
        json t{{"name", target.name},
               {"kind", to_string(target.kind)},
               {"url", mask_secrets_in_url(target.url)},
               {"status", to_string(status)},
               {"success", r.success},
               {"connected", r.connected},
               {"latency_ms", static_cast<double>(r.latency.count()) / 1000.0},
               {"conditions", conditions},
               {"consecutive_failures", s.consecutive_failures},
               {"consecutive_successes", s.consecutive_successes},
               {"incident", nullptr}};
        if (target.kind == ProbeKind::http) t["http_status"] = r.status;
        if (!r.error.empty()) t["error"] = r.error;
        if (!r.success) t["failed_condition"] = r.failure_cause();
        if (r.cert_expiry_seconds) t["cert_expiry_seconds"] = *r.cert_expiry_seconds;
        if (r.replication_lag_seconds) t["replication_lag_seconds"] = *r.replication_lag_seconds;
        if (s.open_incident)
            t["incident"] = {{"started", format_utc(s.open_incident->started_at)},
                             {"cause", s.open_incident->cause},
                             {"duration_seconds", view.checked_at - s.open_incident->started_at}};
        targets.push_back(std::move(t));
    }
    return json{{"checked_at", format_utc(view.checked_at)}, {"healthy", healthy}, {"targets", targets}}
        .dump(-1, ' ', false, json::error_handler_t::replace);
}

std::vector<std::string> report_table_header() { return {"TARGET", "KIND", "STATUS", "LATENCY", "DETAIL"}; }

std::vector<std::vector<std::string>> report_table_rows(const RoundView& view) {
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = 0; i < view.targets.size(); ++i) {
        const Target& target = view.targets[i];
        const ProbeResult& r = view.results[i];
        const TargetState& s = state_of(view, target.name);
        const TargetStatus status = status_of(s);
        std::string detail;
        switch (status) {
        case TargetStatus::up:
            detail = target.kind == ProbeKind::http ? "HTTP " + std::to_string(r.status) : "ok";
            break;
        case TargetStatus::failing:
            detail = r.failure_cause() + " [" + std::to_string(s.consecutive_failures) + " failed]";
            break;
        case TargetStatus::down:
            detail = r.failure_cause();
            if (s.open_incident) detail += ", down since " + format_utc(s.open_incident->started_at);
            break;
        case TargetStatus::recovering:
            detail = std::to_string(s.consecutive_successes) + " good probes";
            if (s.open_incident) detail += ", down since " + format_utc(s.open_incident->started_at);
            break;
        }
        rows.push_back({target.name, std::string(to_string(target.kind)), std::string(to_string(status)),
                        r.connected ? milliseconds(r) : "-", detail});
    }
    return rows;
}

int report_exit_code(const RoundView& view) {
    for (const auto& target : view.targets)
        if (status_of(state_of(view, target.name)) != TargetStatus::up) return 1;
    return 0;
}

NagiosResult nagios_result(const RoundView& view) {
    std::size_t up = 0;
    std::string down, other, perfdata;
    for (std::size_t i = 0; i < view.targets.size(); ++i) {
        const Target& target = view.targets[i];
        const ProbeResult& r = view.results[i];
        const TargetStatus status = status_of(state_of(view, target.name));
        if (status == TargetStatus::up) ++up;
        else if (status == TargetStatus::down) down += (down.empty() ? "" : ", ") + target.name + " (" + r.failure_cause() + ")";
        else other += (other.empty() ? "" : ", ") + target.name + " " + std::string(to_string(status)) +
                      (r.success ? "" : " (" + r.failure_cause() + ")");
        char value[64];
        std::snprintf(value, sizeof value, "=%.6fs;;;0", static_cast<double>(r.latency.count()) / 1e6);
        perfdata += (perfdata.empty() ? "" : " ") + target.name + value;
    }
    NagiosResult result;
    std::string label;
    if (!down.empty()) {
        result.code = 2;
        label = "CRITICAL";
    } else if (!other.empty()) {
        result.code = 1;
        label = "WARNING";
    } else {
        result.code = 0;
        label = "OK";
    }
    result.line = "HEALTH " + label + " - " + std::to_string(up) + "/" + std::to_string(view.targets.size()) + " up";
    if (!down.empty()) result.line += "; down: " + down;
    if (!other.empty()) result.line += "; " + other;
    // '|' separates perfdata in Nagios output: it must not appear in the text part.
    for (char& c : result.line)
        if (c == '|') c = '/';
    result.line += " | " + perfdata;
    return result;
}

}  // namespace aaiti::health
