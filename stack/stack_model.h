#pragma once
// The stack model: what `aaiti.yaml` describes, independent of how it is run. Renderers (compose,
// HAProxy, Prometheus, ... in this folder; a native supervisor or Kubernetes later) read a `Stack` and
// never the YAML, so a new renderer needs no change here.
//
// Paths in the model are absolute (the loader resolves them against the stack file's directory), so a
// renderer never has to know where the stack file was.
#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace aaiti::stack {

// Optional groups of components. A component with no profile is always part of the stack; one with
// profiles runs when any of them is chosen (docker compose semantics). `production` is the whole
// seed stack: it includes everything of `replica` and `monitoring` too.
enum class Profile { production, replica, monitoring };
std::string_view to_string(Profile profile);
// "production" | "replica" | "monitoring"; throws UsageError naming the accepted ones.
Profile parse_profile(std::string_view name);
const std::vector<Profile>& all_profiles();

// Container limits; strings exactly as compose takes them ("0.50", "256M").
struct Resources {
    std::string cpus;
    std::string memory;
    bool operator==(const Resources&) const = default;
};

// One of our HTTP services (the gateway included). Every instance serves /health, /ready and /metrics.
struct Service {
    std::string name;          // "auth": also the DNS name (`auth`, or `auth-1`.. with replicas)
    int port = 0;              // the port each instance listens on (3000 gateway, 3001.. the rest)
    int replicas = 1;          // instances, each addressed on its own (health-checked one by one)
    std::string image;         // container image name
    bool build = false;        // true: our binary `aaiti-<name>`, built from the source tree's Dockerfile
    std::string route_prefix;  // the gateway route that reaches it ("/api/auth"); empty for the gateway
    std::string config_key;    // the configuration key that lists its upstreams ("AUTH_SERVICE_URL")
    std::map<std::string, std::string> environment;  // extra variables, after the generated ones
    Resources resources;
    bool operator==(const Service&) const = default;
};

// The DNS names / process names of a service's instances: "auth" with one replica, "auth-1".."auth-N" else.
std::vector<std::string> instance_names(const Service& service);
// The host port of instance `index` (0-based, in instance_names order): port + 100 * index (auth-2 on 3101),
// clear of the seed's 3000-3007. Compose publishes it; a native supervisor listens on it; health checks probe it.
int instance_host_port(const Service& service, int index);

struct Database {
    std::string name;  // database.name (DB_NAME)
    std::string user;  // database.user (DB_USER)
    int port = 5432;   // database.port (DB_PORT): the primary's published port
    std::string image;
    Resources resources;
    // The streaming read replica (profiles replica, production).
    int replica_port = 5433;  // its published port
    std::string replication_user;
    bool operator==(const Database&) const = default;
};

// The physical replication slot the replica streams through, on every renderer. Without one the primary
// keeps WAL only back to its last checkpoint, and a replica that falls a segment behind (a restart, a busy
// moment) finds the WAL it needs removed and never catches up. The cap bounds what a dead replica's slot
// can hold on the primary's disk: past it the slot is invalidated and the replica must be copied afresh.
inline constexpr const char* k_replication_slot = "aaiti_replica";
inline constexpr const char* k_replication_slot_max_wal = "1GB";

struct Redis {
    int port = 6379;
    std::string image;
    Resources resources;
    bool operator==(const Redis&) const = default;
};

// HAProxy in front of the gateway instances (profile production).
struct LoadBalancer {
    int http_port = 80;
    int https_port = 443;
    int stats_port = 8404;         // stats page (/stats) and Prometheus exporter (/metrics)
    std::string certificate;       // PEM (certificate + key) for SSL termination; empty: plain HTTP only
    bool sticky_sessions = true;   // a cookie pins a client to one gateway instance
    std::string health_path = "/health";
    std::chrono::milliseconds health_interval{2000};
    int fall = 3;  // failed checks before an instance is taken out
    int rise = 2;  // passed checks before it is put back
    std::string image;
    bool operator==(const LoadBalancer&) const = default;
};

// Thresholds of the generated alert rules.
struct AlertThresholds {
    std::chrono::milliseconds latency_p95{100};    // the seed's 100 ms
    double error_ratio = 0.05;                     // 5xx share of requests
    std::chrono::milliseconds replication_lag{30000};
    std::chrono::milliseconds backup_max_age{26 * 3600 * 1000};  // a daily backup plus slack
    bool operator==(const AlertThresholds&) const = default;
};

// Prometheus, Alertmanager, Grafana, Jaeger (profiles monitoring, production).
struct Monitoring {
    int prometheus_port = 9090;
    int alertmanager_port = 9093;
    int grafana_port = 3007;
    int jaeger_ui_port = 16686;
    int jaeger_otlp_http_port = 4318;
    int supervisor_port = 9190;  // the native supervisor's /metrics (backup age, restarts); aaitictl up only
    std::chrono::milliseconds scrape_interval{15000};
    AlertThresholds alerts;
    std::string prometheus_image, alertmanager_image, grafana_image, jaeger_image, postgres_exporter_image;
    bool operator==(const Monitoring&) const = default;
};

struct Backup {
    std::string repository;  // backup.repository (BACKUP_REPOSITORY), absolute
    std::string schedule;    // cron expression (5 fields) of the daily backup job
    int keep_daily = 7;
    int keep_weekly = 4;
    int keep_monthly = 6;
    bool operator==(const Backup&) const = default;
};

// Where alerts go (alerts.* in the stack file; the same keys SLACK_WEBHOOK, DISCORD_WEBHOOK, SMTP_*).
struct AlertReceivers {
    std::string slack_webhook;
    std::string slack_channel;
    std::string discord_webhook;
    std::string smtp_host;
    int smtp_port = 587;
    std::string smtp_user;
    std::string smtp_password;
    std::string smtp_from;
    std::vector<std::string> smtp_to;
    bool any() const { return !slack_webhook.empty() || !discord_webhook.empty() || email(); }
    bool email() const { return !smtp_host.empty() && !smtp_to.empty(); }
    bool operator==(const AlertReceivers&) const = default;
};

struct Stack;

// The compose network (network.subnet; docker compose only: natively every process is on 127.0.0.1). Its
// subnet is fixed so that HAProxy, the gateway instances and Prometheus get static addresses, which the
// services' TRUSTED_PROXIES and METRICS_ALLOW name exactly; Docker hands every other container an address
// from the upper half of the subnet (ip_range), clear of the static ones in the lower half.
struct ComposeNetwork {
    std::string subnet = "172.31.240.0/24";  // IPv4, /16 to /24, host bits zero
    bool operator==(const ComposeNetwork&) const = default;
};

// The addresses compose_addresses() gives out in ComposeNetwork::subnet (dotted quads, no prefix length).
struct ComposeAddresses {
    std::string subnet;       // as configured
    std::string ip_range;     // the upper half: Docker's pool for the containers without a fixed address
    std::string gateway;      // network + 1: the host's side of the bridge (set, else Docker takes it from ip_range)
    std::string haproxy;      // network + 2
    std::string prometheus;   // network + 3
    std::vector<std::string> gateways;  // network + 16 + i for instance i of the gateway (instance_names order)
};
ComposeAddresses compose_addresses(const Stack& stack);
// Empty when `subnet` is a valid ComposeNetwork::subnet, else what is wrong with it (for the loader's message).
std::string compose_subnet_problem(const std::string& subnet);

struct Stack {
    std::string project = "aaiti";  // compose project name, prefix of volumes
    std::string source_dir;         // the aaiti source tree the Dockerfiles build from (absolute)
    std::string secrets_dir;        // holds db_password, jwt_secret, ... (absolute; files are not generated)
    std::vector<Service> services;  // the gateway first
    Database database;
    Redis redis;
    LoadBalancer load_balancer;
    Monitoring monitoring;
    Backup backup;
    AlertReceivers alerts;
    ComposeNetwork network;
    bool operator==(const Stack&) const = default;

    const Service* find_service(std::string_view name) const;
    const Service& gateway() const;  // the service named "gateway"; the loader guarantees it exists
};

// Durations as the stack file writes them: "100ms", "30s", "15m", "26h", "7d" (the largest exact unit).
std::string format_duration(std::chrono::milliseconds duration);

}  // namespace aaiti::stack
