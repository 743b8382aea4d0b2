// prometheus/prometheus.yml (a job per service, its instances as targets) and prometheus/alert-rules.yml.
#include <cstdio>

#include "stack/renderers.h"
#include "stack/stack_writer.h"
#include "stack/template_engine.h"

namespace aaiti::stack {
namespace {

std::string seconds(std::chrono::milliseconds ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", static_cast<double>(ms.count()) / 1000.0);
    return buf;
}

TemplateData job(const std::string& name, const std::string& path, const std::vector<std::string>& targets) {
    std::string list;
    for (const auto& t : targets) list += (list.empty() ? "" : ", ") + yaml_quote(t);
    return TemplateData().set("job", yaml_quote(name)).set("path", yaml_quote(path)).set("targets", list);
}

}  // namespace

std::vector<GeneratedFile> render_prometheus(const Stack& s, const ProfileSelection& p) {
    TemplateData d;
    d.set("scrape_interval", format_duration(s.monitoring.scrape_interval)).set("project", yaml_quote(s.project));
    TemplateData jobs = TemplateData::list();
    for (const auto& svc : s.services) {
        std::vector<std::string> targets;
        for (const auto& i : instance_names(svc)) targets.push_back(i + ":" + std::to_string(svc.port));
        jobs.push(job(svc.name, "/metrics", targets));
    }
    if (p.load_balancer) jobs.push(job("haproxy", "/metrics", {"haproxy:" + std::to_string(s.load_balancer.stats_port)}));
    if (p.replica) jobs.push(job("postgres-replica", "/metrics", {"postgres-exporter:9187"}));
    jobs.push(job("prometheus", "/metrics", {"localhost:9090"}));
    jobs.push(job("alertmanager", "/metrics", {"alertmanager:9093"}));
    d.set("jobs", jobs);

    const auto& a = s.monitoring.alerts;
    TemplateData r;
    r.set("latency_seconds", seconds(a.latency_p95)).set("latency_text", format_duration(a.latency_p95));
    char ratio[32];
    std::snprintf(ratio, sizeof ratio, "%g", a.error_ratio);
    r.set("error_ratio", std::string(ratio));
    r.set("replica", p.replica).set("replication_lag_seconds", seconds(a.replication_lag));
    r.set("backup_max_age_seconds", seconds(a.backup_max_age)).set("backup_max_age_text", format_duration(a.backup_max_age));
    return {{"prometheus/prometheus.yml", render_template("prometheus.yml.mustache", d)},
            {"prometheus/alert-rules.yml", render_template("alert-rules.yml.mustache", r)}};
}

}  // namespace aaiti::stack
