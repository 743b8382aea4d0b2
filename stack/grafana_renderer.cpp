// Grafana provisioning (Prometheus + Jaeger data sources, a dashboard provider) and one dashboard per
// service. Dashboards use only metrics our services export: the kit's http_* for every service, auth_* for
// auth and gateway_* for the gateway (the tests check each name against the sources).
#include "stack/renderers.h"
#include "stack/stack_writer.h"
#include "stack/template_engine.h"

namespace aaiti::stack {
namespace {

struct Panel {
    std::string title, expr, unit, legend;
};

std::string json_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

std::vector<Panel> panels_for(const Service& svc) {
    const std::string j = "job=\"" + svc.name + "\"";
    std::vector<Panel> panels = {
        {"Requests per second by route", "sum by (route) (rate(http_requests_total{" + j + "}[5m]))", "reqps", "{{route}}"},
        {"p95 latency", "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{" + j + "}[5m])))", "s", "p95"},
        {"5xx ratio", "sum(rate(http_requests_total{" + j + ",status=~\"5..\"}[5m])) / sum(rate(http_requests_total{" + j + "}[5m]))",
         "percentunit", "5xx"},
        {"Requests in flight", "sum by (instance) (http_requests_in_flight{" + j + "})", "short", "{{instance}}"},
        {"Open connections", "sum by (instance) (http_connections_open{" + j + "})", "short", "{{instance}}"},
        // By pool: auth's password pool fills in a login surge while its default pool stays empty.
        {"Worker pool queue", "sum by (instance, pool) (http_worker_pool_queued{" + j + "})", "short", "{{instance}} {{pool}}"},
        {"Refused by a full worker pool (503)", "sum by (pool) (rate(http_worker_pool_rejected_total{" + j + "}[5m]))", "reqps",
         "{{pool}}"},
    };
    if (svc.name == "auth") {
        panels.push_back({"Logins by result", "sum by (result) (rate(auth_logins_total{" + j + "}[5m]))", "ops", "{{result}}"});
        panels.push_back({"Registrations and lockouts",
                          "sum(rate(auth_registrations_total{" + j + "}[5m])) or sum(rate(auth_lockouts_total{" + j + "}[5m]))", "ops",
                          "events"});
    } else if (svc.name == "gateway") {
        panels.push_back({"Upstream responses by status class", "sum by (class) (rate(gateway_upstream_responses_total{" + j + "}[5m]))",
                          "reqps", "{{class}}"});
        panels.push_back({"Healthy upstreams", "sum by (upstream) (gateway_upstream_up{" + j + "})", "short", "{{upstream}}"});
        panels.push_back({"Rate-limited requests", "sum(rate(gateway_rate_limited_total{" + j + "}[5m]))", "reqps", "limited"});
    }
    return panels;
}

}  // namespace

std::vector<GeneratedFile> render_grafana(const Stack& s) {
    std::vector<GeneratedFile> files;
    files.push_back({"grafana/provisioning/datasources/datasources.yml", render_template("grafana-datasource.yml.mustache", {})});
    files.push_back({"grafana/provisioning/dashboards/dashboards.yml",
                     render_template("grafana-dashboards.yml.mustache", TemplateData().set("project", yaml_quote(s.project)))});
    for (const auto& svc : s.services) {
        TemplateData panels = TemplateData::list();
        int id = 1;
        for (const auto& p : panels_for(svc)) {
            const int index = id - 1;
            panels.push(TemplateData()
                            .set("id", id++)
                            .set("title", json_escape(p.title))
                            .set("expr", json_escape(p.expr))
                            .set("unit", p.unit)
                            .set("legend", json_escape(p.legend))
                            .set("x", 12 * (index % 2))
                            .set("y", 8 * (index / 2)));
        }
        panels.mark_first_last();
        TemplateData d;
        d.set("uid", json_escape(s.project + "-" + svc.name)).set("title", json_escape(s.project + " / " + svc.name)).set("panels", panels);
        files.push_back({"grafana/dashboards/" + svc.name + ".json", render_template("dashboard.json.mustache", d)});
    }
    return files;
}

}  // namespace aaiti::stack
