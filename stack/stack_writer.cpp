#include "stack/stack_writer.h"

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "stack/stack_defaults.h"

namespace aaiti::stack {
namespace {

std::string relative_to(const std::string& path, const std::string& base_dir) {
    if (path.empty()) return path;
    const std::string base = resolve_path(base_dir, ".");
    if (path == base) return ".";
    if (path.rfind(base + "/", 0) == 0) return path.substr(base.size() + 1);
    return path;
}

std::string q(const std::string& s) { return yaml_quote(s); }
std::string b(bool v) { return v ? "true" : "false"; }
std::string d(std::chrono::milliseconds v) { return q(format_duration(v)); }

std::string ratio(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

void resources(std::ostream& out, const Resources& r, const char* indent) {
    out << indent << "resources: {cpus: " << q(r.cpus) << ", memory: " << q(r.memory) << "}  # container limits\n";
}

}  // namespace

std::string yaml_quote(const std::string& text) {
    std::string out = "\"";
    for (unsigned char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\x%02x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    return out + "\"";
}

std::string write_stack_yaml(const Stack& s, const std::string& base_dir) {
    std::ostringstream o;
    o << "# aaiti.yaml: the stack file (written by `aaitictl init`; see aaitictl-init(1)).\n"
         "# `aaitictl compose generate` renders it into docker-compose, HAProxy, Prometheus, Alertmanager and\n"
         "# Grafana files; every aaitictl command and service reads its configuration keys (database.*, redis.url,\n"
         "# auth.*, alerts.*, ...; see aaitictl(1)). Relative paths are relative to this file's directory.\n"
         "# Secrets (DB password, JWT secret) are not written here: put them in files under secrets_dir.\n\n";
    o << "project: " << q(s.project) << "          # compose project name and volume prefix\n";
    o << "source_dir: " << q(relative_to(s.source_dir, base_dir)) << "       # the aaiti source tree the Dockerfiles build\n";
    o << "secrets_dir: " << q(relative_to(s.secrets_dir, base_dir))
      << "  # files db_password, replication_password, jwt_secret, grafana_admin_password, redis_password\n\n";

    o << "# Our HTTP services. Each instance serves /health, /ready and /metrics. With replicas: N the instances\n"
         "# are <name>-1..<name>-N, each health-checked on its own; the gateway routes to all of them.\n"
         "# build: true builds aaiti-<name> from source_dir; false pulls image (services not yet ported).\n"
         "# url: (services.<name>.url, e.g. AUTH_SERVICE_URL) is for running outside containers; compose sets it.\n";
    o << "services:\n";
    for (const auto& svc : s.services) {
        o << "  " << svc.name << ":\n";
        o << "    port: " << svc.port << "\n";
        o << "    replicas: " << svc.replicas << "            # 1 to 16\n";
        o << "    image: " << q(svc.image) << "\n";
        o << "    build: " << b(svc.build) << "\n";
        if (svc.name != "gateway") o << "    route_prefix: " << q(svc.route_prefix) << "  # the gateway's route to it\n";
        if (svc.environment.empty()) {
            o << "    environment: {}         # extra variables, e.g. LOG_LEVEL: \"debug\"\n";
        } else {
            o << "    environment:\n";
            for (const auto& [k, v] : svc.environment) o << "      " << k << ": " << q(v) << "\n";
        }
        resources(o, svc.resources, "    ");
    }

    o << "\n# PostgreSQL: a primary and a streaming read replica (profiles replica, production).\n"
         "# host/port/password here are also DB_HOST/DB_PORT/DB_PASSWORD for aaitictl on this machine.\n";
    o << "database:\n";
    o << "  name: " << q(s.database.name) << "\n";
    o << "  user: " << q(s.database.user) << "\n";
    o << "  port: " << s.database.port << "                 # the primary, published on the host's 127.0.0.1\n";
    o << "  # host: \"127.0.0.1\"         # DB_HOST for aaitictl on the host; containers use postgres-primary\n";
    o << "  image: " << q(s.database.image) << "\n";
    resources(o, s.database.resources, "  ");
    o << "  replica:\n";
    o << "    port: " << s.database.replica_port << "               # published on the host's 127.0.0.1\n";
    o << "    replication_user: " << q(s.database.replication_user) << "\n";

    o << "\nredis:\n";
    o << "  port: " << s.redis.port << "\n";
    o << "  # url: \"redis://:PASSWORD@127.0.0.1:6379\"  # REDIS_URL for aaitictl on the host; the stacks require\n"
         "  #   secrets_dir/redis_password (health --stack reads it), containers use redis:6379\n";
    o << "  # With Redis Sentinel (no Redis Cluster): \"redis-sentinel://host1:26379,host2:26379/<master-name>\"\n";
    o << "  image: " << q(s.redis.image) << "\n";
    resources(o, s.redis.resources, "  ");

    const auto& l = s.load_balancer;
    o << "\n# HAProxy in front of the gateway instances (profile production): round-robin, health checks,\n"
         "# sticky sessions (a SERVERID cookie), stats page and Prometheus metrics on stats_port.\n";
    o << "load_balancer:\n";
    o << "  http_port: " << l.http_port << "\n";
    o << "  https_port: " << l.https_port << "\n";
    o << "  stats_port: " << l.stats_port << "\n";
    o << "  certificate: " << q(relative_to(l.certificate, base_dir))
      << "     # PEM with certificate and key: SSL termination on https_port; empty: HTTP only\n";
    o << "  sticky_sessions: " << b(l.sticky_sessions) << "\n";
    o << "  image: " << q(l.image) << "\n";
    o << "  health_check: {path: " << q(l.health_path) << ", interval: " << d(l.health_interval) << ", fall: " << l.fall
      << ", rise: " << l.rise << "}\n";

    o << "\n# The compose network (docker compose only; natively everything is on 127.0.0.1). HAProxy, the gateway\n"
         "# instances and Prometheus get fixed addresses in its lower half, which the services' TRUSTED_PROXIES and\n"
         "# METRICS_ALLOW name; Docker gives the other containers addresses from its upper half. Choose one that\n"
         "# no other Docker network or route of this host uses (/16 to /24).\n";
    o << "network:\n";
    o << "  subnet: " << q(s.network.subnet) << "\n";

    const auto& m = s.monitoring;
    o << "\n# Profiles monitoring, production. Services send traces to Jaeger's OTLP/HTTP receiver.\n";
    o << "monitoring:\n";
    o << "  prometheus: {port: " << m.prometheus_port << ", scrape_interval: " << d(m.scrape_interval)
      << ", image: " << q(m.prometheus_image) << "}\n";
    o << "  alertmanager: {port: " << m.alertmanager_port << ", image: " << q(m.alertmanager_image) << "}\n";
    o << "  grafana: {port: " << m.grafana_port << ", image: " << q(m.grafana_image) << "}\n";
    o << "  jaeger: {ui_port: " << m.jaeger_ui_port << ", otlp_http_port: " << m.jaeger_otlp_http_port
      << ", image: " << q(m.jaeger_image) << "}\n";
    o << "  postgres_exporter: {image: " << q(m.postgres_exporter_image) << "}\n";
    o << "  supervisor: {port: " << m.supervisor_port << "}        # the native supervisor's /metrics (backup age, restarts); aaitictl up only\n";
    o << "  alerts:                       # thresholds of the generated alert rules\n";
    o << "    latency_p95: " << d(m.alerts.latency_p95) << "          # p95 of http_request_duration_seconds\n";
    o << "    error_ratio: " << ratio(m.alerts.error_ratio) << "            # share of 5xx responses\n";
    o << "    replication_lag: " << d(m.alerts.replication_lag) << "\n";
    o << "    backup_max_age: " << d(m.alerts.backup_max_age) << "\n";

    o << "\n# The daily backup (aaitictl backup create) and what prune keeps. key_file / passphrase_file: see\n"
         "# aaitictl-backup(1).\n";
    o << "backup:\n";
    o << "  repository: " << q(relative_to(s.backup.repository, base_dir)) << "\n";
    o << "  schedule: " << q(s.backup.schedule) << "        # cron: minute hour day month weekday\n";
    o << "  keep: {daily: " << s.backup.keep_daily << ", weekly: " << s.backup.keep_weekly << ", monthly: " << s.backup.keep_monthly
      << "}\n";

    const auto& a = s.alerts;
    o << "\n# Where Alertmanager sends alerts; empty receivers are left out.\n";
    o << "alerts:\n";
    o << "  slack_webhook: " << q(a.slack_webhook) << "        # https://hooks.slack.com/services/...\n";
    o << "  slack_channel: " << q(a.slack_channel) << "\n";
    o << "  discord_webhook: " << q(a.discord_webhook) << "      # https://discord.com/api/webhooks/...\n";
    o << "  smtp:\n";
    o << "    host: " << q(a.smtp_host) << "\n";
    o << "    port: " << a.smtp_port << "\n";
    o << "    user: " << q(a.smtp_user) << "\n";
    o << "    password: " << q(a.smtp_password) << "           # or password_file: \"secrets/smtp_password\"\n";
    o << "    from: " << q(a.smtp_from) << "\n";
    std::string to;  // one comma-separated string: SMTP_TO (alerts.smtp.to) is a single value
    for (std::size_t i = 0; i < a.smtp_to.size(); ++i) to += (i ? ", " : "") + a.smtp_to[i];
    o << "    to: " << q(to) << "               # recipients, comma-separated\n";
    return o.str();
}

}  // namespace aaiti::stack
