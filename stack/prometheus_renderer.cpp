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

std::vector<GeneratedFile> render_prometheus(const Stack& s, const ProfileSelection& p, Network network) {
    const bool loopback = network == Network::loopback;
    const auto& m = s.monitoring;
    const auto local = [](int host_port) { return "127.0.0.1:" + std::to_string(host_port); };
    // Container DNS name and container port, or 127.0.0.1 and the port the native process listens on.
    const auto at = [&](const std::string& host, int container_port, int host_port) {
        return loopback ? local(host_port) : host + ":" + std::to_string(container_port);
    };
    TemplateData d;
    d.set("loopback", loopback).set("scrape_interval", format_duration(m.scrape_interval)).set("project", yaml_quote(s.project));
    const std::string alertmanager = at("alertmanager", 9093, m.alertmanager_port);
    d.set("alertmanagers", yaml_quote(alertmanager));
    TemplateData jobs = TemplateData::list();
    for (const auto& svc : s.services) {
        std::vector<std::string> targets;
        const auto names = instance_names(svc);
        for (std::size_t i = 0; i < names.size(); ++i)
            targets.push_back(at(names[i], svc.port, instance_host_port(svc, static_cast<int>(i))));
        jobs.push(job(svc.name, "/metrics", targets));
    }
    if (p.load_balancer) jobs.push(job("haproxy", "/metrics", {at("haproxy", s.load_balancer.stats_port, s.load_balancer.stats_port)}));
    // postgres-exporter runs only as a container: the native runtime has no replication-lag metrics.
    if (p.replica && !loopback) jobs.push(job("postgres-replica", "/metrics", {"postgres-exporter:9187"}));
    jobs.push(job("prometheus", "/metrics", {loopback ? local(m.prometheus_port) : "localhost:9090"}));
    jobs.push(job("alertmanager", "/metrics", {alertmanager}));
    // The supervisor publishes aaiti_backup_last_success_timestamp_seconds, which BackupTooOld reads.
    if (loopback) jobs.push(job("aaiti-supervisor", "/metrics", {local(m.supervisor_port)}));
    d.set("jobs", jobs);

    const auto& a = m.alerts;
    TemplateData r;
    r.set("latency_seconds", seconds(a.latency_p95)).set("latency_text", format_duration(a.latency_p95));
    char ratio[32];
    std::snprintf(ratio, sizeof ratio, "%g", a.error_ratio);
    r.set("error_ratio", std::string(ratio));
    // Natively nothing publishes pg_replication_lag (no postgres-exporter): a rule on it could never fire.
    r.set("replica", p.replica && !loopback).set("replication_lag_seconds", seconds(a.replication_lag));
    r.set("backup_max_age_seconds", seconds(a.backup_max_age)).set("backup_max_age_text", format_duration(a.backup_max_age));
    return {{"prometheus/prometheus.yml", render_template("prometheus.yml.mustache", d)},
            {"prometheus/alert-rules.yml", render_template("alert-rules.yml.mustache", r)}};
}

}  // namespace aaiti::stack
