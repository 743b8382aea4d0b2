#include "stack/stack_defaults.h"

#include <filesystem>

namespace aaiti::stack {
namespace {

Service seed_service(std::string name, int port, bool ours, std::string prefix, std::string key) {
    Service s;
    s.name = name;
    s.port = port;
    s.replicas = 1;
    s.build = ours;
    // Not yet ported services keep the seed's image names; ours are built from this tree.
    s.image = ours ? "aaiti/" + name + ":latest" : "aaiti/" + name + "-service:latest";
    s.route_prefix = std::move(prefix);
    s.config_key = std::move(key);
    s.resources = {"0.50", "256M"};
    return s;
}

}  // namespace

std::string resolve_path(const std::string& base, const std::string& relative) {
    std::string out = (std::filesystem::absolute(base) / relative).lexically_normal().string();
    while (out.size() > 1 && out.back() == '/') out.pop_back();
    return out;
}

Stack default_stack(const std::string& base_dir) {
    const std::filesystem::path base = resolve_path(base_dir, ".");
    Stack s;
    s.project = "aaiti";
    s.source_dir = base.string();
    s.secrets_dir = (base / "secrets").string();
    s.services = {
        seed_service("gateway", 3000, true, "", ""),
        seed_service("auth", 3001, true, "/api/auth", "AUTH_SERVICE_URL"),
        seed_service("trading", 3002, false, "/api/trading", "TRADING_SERVICE_URL"),
        seed_service("analytics", 3003, false, "/api/analytics", "ANALYTICS_SERVICE_URL"),
        seed_service("ml", 3004, false, "/api/ml", "ML_SERVICE_URL"),
        seed_service("notifications", 3005, false, "/api/notifications", "NOTIFICATION_SERVICE_URL"),
        seed_service("users", 3006, false, "/api/users", "USER_SERVICE_URL"),
    };
    s.services[1].replicas = 2;  // the seed runs auth twice behind the gateway

    s.database = Database{"aaiti", "aaiti", 5432, "postgres:15-bookworm", {"1.00", "1G"}, 5433, "replicator"};
    s.redis = Redis{6379, "redis:7-bookworm", {"0.25", "128M"}};
    s.load_balancer.image = "haproxy:2.6-bookworm";
    auto& m = s.monitoring;
    m.prometheus_image = "prom/prometheus:v2.42.0";
    m.alertmanager_image = "prom/alertmanager:v0.25.0";
    m.grafana_image = "grafana/grafana:9.5.3";
    m.jaeger_image = "jaegertracing/all-in-one:1.46";
    m.postgres_exporter_image = "prometheuscommunity/postgres-exporter:v0.11.1";
    s.backup = Backup{(base / "data" / "backups").string(), "0 3 * * *", 7, 4, 6};
    return s;
}

}  // namespace aaiti::stack
