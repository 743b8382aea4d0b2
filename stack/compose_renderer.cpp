// docker-compose.yml (+ .env and the PostgreSQL replication scripts) from the stack.
// Every value is double-quoted: docker-compose 1.29 reads YAML 1.1, where bare yes/3.8/010 change type.
#include <string>
#include <utility>

#include "common/config.h"
#include "stack/renderers.h"
#include "stack/stack_settings.h"
#include "stack/stack_writer.h"
#include "stack/template_engine.h"

namespace aaiti::stack {
namespace {

TemplateData env_var(const std::string& name, const std::string& value) {
    return TemplateData().set("name", yaml_quote(name)).set("value", yaml_quote(value));
}

// Published on every host interface: only the edge (HAProxy's HTTP(S) ports; the gateway without HAProxy).
std::string published(int host_port, int container_port) {
    return yaml_quote(std::to_string(host_port) + ":" + std::to_string(container_port));
}

// Published on the host's loopback only: what an operator on this machine needs (aaitictl db, backup, health
// --stack; the stats page and monitoring UIs), out of reach of the network.
std::string published_locally(int host_port, int container_port) {
    return yaml_quote("127.0.0.1:" + std::to_string(host_port) + ":" + std::to_string(container_port));
}

std::string upstreams_of(const Service& svc) {
    std::string list;
    for (const auto& instance : instance_names(svc)) list += (list.empty() ? "" : ",") + ("http://" + instance + ":" + std::to_string(svc.port));
    return list;
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
    return out;
}

std::string config_default(std::string_view key) {
    for (const auto& k : known_config_keys())
        if (k.name == key) return std::string(k.default_value);
    return {};
}

// Whose X-Forwarded-For a process believes: the proxies in front of it, by their fixed addresses. The
// gateway has HAProxy in front (none without the load balancer: then it is the edge and trusts nobody);
// every other service has the gateway and, through it, HAProxy (the gateway passes the chain on and
// appends HAProxy's address, so the walk back must pass both).
std::string trusted_proxies(const Service& svc, const ProfileSelection& p, const ComposeAddresses& a) {
    if (svc.name == "gateway") return p.load_balancer ? a.haproxy : "";
    std::vector<std::string> proxies = a.gateways;
    if (p.load_balancer) proxies.push_back(a.haproxy);
    return joined(proxies);
}

// A user's setting as docker-compose.yml holds it: a secret as a reference to .env, any other value with
// compose's interpolation escaped ($ -> $$).
std::string compose_value(const ConfigEntry& e) {
    if (e.secret) return "${" + e.key + "}";
    std::string out;
    for (char c : e.value) out += c == '$' ? std::string("$$") : std::string(1, c);
    return out;
}

TemplateData service_environment(const Stack& s, const Service& svc, const ProfileSelection& p, const ComposeAddresses& a,
                                 const std::vector<ConfigEntry>& settings) {
    std::vector<std::pair<std::string, std::string>> vars = {
        {"LOG_FORMAT", "json"},
        {"DB_HOST", "postgres-primary"},
        {"DB_PORT", "5432"},
        {"DB_NAME", s.database.name},
        {"DB_USER", s.database.user},
        {"DB_PASSWORD_FILE", "/run/secrets/db_password"},
        {"JWT_SECRET_FILE", "/run/secrets/jwt_secret"},
        {"TRUSTED_PROXIES", trusted_proxies(svc, p, a)},
        // Prometheus scrapes from its fixed address; loopback (the default) keeps the containers' own checks.
        {"METRICS_ALLOW", p.monitoring ? a.prometheus + "," + config_default("METRICS_ALLOW") : config_default("METRICS_ALLOW")},
    };
    if (p.monitoring) vars.emplace_back("JAEGER_ENDPOINT", jaeger_otlp_endpoint(s));
    if (!svc.build) vars.emplace_back("PORT", std::to_string(svc.port));  // the seed's Node services read PORT
    if (svc.name == "gateway")
        for (const auto& other : s.services)
            if (other.name != "gateway" && !other.config_key.empty()) vars.emplace_back(other.config_key, upstreams_of(other));
    const auto set = [&vars](const std::string& k, const std::string& v) {
        for (auto& var : vars)
            if (var.first == k) {
                var.second = v;
                return;
            }
        vars.emplace_back(k, v);
    };
    // The user's settings (stack_settings.h): the stack file's flat keys, then services.<name>.environment (which
    // replaces a generated variable of the same name), then the caller's environment.
    for (const auto& e : settings)
        if (!from_caller(e)) set(e.key, compose_value(e));
    for (const auto& [k, v] : svc.environment) set(k, v);
    for (const auto& e : settings)
        if (from_caller(e)) set(e.key, compose_value(e));
    TemplateData env = TemplateData::list();
    for (const auto& [k, v] : vars) env.push(env_var(k, v));
    return env;
}

// Our binaries get REDIS_URL with Redis's password from a shell that reads the redis_password secret and
// execs them (the password never lands in the compose file or on a command line). Not when the stack file
// gives the service a Redis URL of its own, nor for pulled images (their entrypoint is theirs; they get the
// secret at /run/secrets/redis_password).
TemplateData redis_client_entrypoint(const Service& svc) {
    if (!svc.build || svc.environment.count("REDIS_URL") || svc.environment.count("REDIS_URL_FILE")) return false;
    const std::string binary = "/usr/local/bin/aaiti-" + svc.name;
    const std::string script = "set -e; p=$$(cat /run/secrets/redis_password); export REDIS_URL=\"redis://:$$p@redis:6379\"; exec " + binary +
                               " \"$$@\"";
    return TemplateData().set("args", yaml_quote("/bin/sh") + ", " + yaml_quote("-c") + ", " + yaml_quote(script) + ", " + yaml_quote(binary));
}

TemplateData fixed_address(const std::string& address) { return TemplateData().set("ipv4_address", yaml_quote(address)); }

TemplateData depends(const std::vector<std::string>& names) {
    TemplateData list = TemplateData::list();
    for (const auto& n : names) list.push(TemplateData().set("name", n));
    return list;
}

}  // namespace

std::vector<GeneratedFile> render_compose(const Stack& s, const ProfileSelection& p, const std::string& stack_file,
                                          const std::string& output_dir, const std::vector<ConfigEntry>& all_settings) {
    std::vector<ConfigEntry> settings;
    for (const auto& e : all_settings)
        if (wired_by_stack(e.key).empty() && !e.value.empty()) settings.push_back(e);
    const ComposeAddresses addresses = compose_addresses(s);
    TemplateData d;
    d.set("stack_file", stack_file).set("project", s.project);
    d.set("subnet", yaml_quote(addresses.subnet)).set("ip_range", yaml_quote(addresses.ip_range));
    d.set("network_gateway", yaml_quote(addresses.gateway));
    TemplateData services = TemplateData::list();
    std::vector<std::string> core_deps = {"postgres-primary", "redis"};
    std::vector<std::string> all_instances;
    for (const auto& svc : s.services)
        if (svc.name != "gateway")
            for (const auto& i : instance_names(svc)) all_instances.push_back(i);
    for (const auto& svc : s.services) {
        const auto names = instance_names(svc);
        for (std::size_t i = 0; i < names.size(); ++i) {
            TemplateData item;
            item.set("instance", names[i]).set("image", yaml_quote(svc.image)).set("port", std::to_string(svc.port));
            if (svc.build)
                item.set("build", TemplateData()
                                      .set("context", yaml_quote(s.source_dir))
                                      .set("dockerfile", yaml_quote(output_dir + "/docker/aaiti-" + svc.name + ".Dockerfile")));
            // Our binaries take --listen; a pulled image (the seed's services) keeps its own command and reads PORT.
            if (svc.build) {
                std::string args = yaml_quote("--listen") + ", " + yaml_quote("0.0.0.0:" + std::to_string(svc.port));
                // The gateway gets every route explicitly (--route replaces its seed routes), so services the
                // seed did not have are reached at their route_prefix too.
                if (svc.name == "gateway")
                    for (const auto& other : s.services)
                        if (other.name != "gateway" && !other.route_prefix.empty())
                            args += ", " + yaml_quote("--route") + ", " + yaml_quote(other.route_prefix + "=" + upstreams_of(other));
                item.set("command", TemplateData().set("args", args));
            }
            item.set("redis_client", redis_client_entrypoint(svc));
            item.set("environment", service_environment(s, svc, p, addresses, settings));
            if (svc.name == "gateway") item.set("network", fixed_address(addresses.gateways[i]));
            // The gateway is the edge when no HAProxy is generated; otherwise clients come through HAProxy.
            const int host_port = instance_host_port(svc, static_cast<int>(i));
            const bool edge = svc.name == "gateway" && !p.load_balancer;
            item.set("ports", edge ? published(host_port, svc.port) : published_locally(host_port, svc.port));
            std::vector<std::string> deps = core_deps;
            if (svc.name == "gateway") deps.insert(deps.end(), all_instances.begin(), all_instances.end());
            item.set("depends_on", depends(deps));
            item.set("cpus", yaml_quote(svc.resources.cpus)).set("memory", yaml_quote(svc.resources.memory));
            services.push(item);
        }
    }
    d.set("services", services);

    const auto& db = s.database;
    d.set("db_image", yaml_quote(db.image)).set("db_name", yaml_quote(db.name)).set("db_user", yaml_quote(db.user));
    d.set("db_name_raw", yaml_escape(db.name));
    d.set("replication_user", yaml_quote(db.replication_user));
    d.set("db_ports", published_locally(db.port, 5432)).set("replica_ports", published_locally(db.replica_port, 5432));
    d.set("db_cpus", yaml_quote(db.resources.cpus)).set("db_memory", yaml_quote(db.resources.memory));
    d.set("replica", p.replica);
    d.set("replication_slot", k_replication_slot).set("replication_slot_max_wal", k_replication_slot_max_wal);
    d.set("redis_image", yaml_quote(s.redis.image)).set("redis_ports", published_locally(s.redis.port, 6379));
    d.set("redis_cpus", yaml_quote(s.redis.resources.cpus)).set("redis_memory", yaml_quote(s.redis.resources.memory));

    if (p.load_balancer) {
        const auto& l = s.load_balancer;
        TemplateData lb;
        lb.set("image", yaml_quote(l.image));
        if (!l.certificate.empty()) lb.set("certificate", TemplateData().set("mount", yaml_quote(l.certificate + ":" + l.certificate + ":ro")));
        TemplateData ports = TemplateData::list();
        ports.push(TemplateData().set("mapping", published(l.http_port, 80)));
        if (!l.certificate.empty()) ports.push(TemplateData().set("mapping", published(l.https_port, 443)));
        ports.push(TemplateData().set("mapping", published_locally(l.stats_port, l.stats_port)));
        lb.set("ports", ports);
        lb.set("depends_on", depends(instance_names(s.gateway())));
        lb.set("network", fixed_address(addresses.haproxy));
        d.set("load_balancer", lb);
    }
    if (p.monitoring) {
        const auto& m = s.monitoring;
        TemplateData mon;
        mon.set("prometheus_network", fixed_address(addresses.prometheus));
        mon.set("prometheus_image", yaml_quote(m.prometheus_image)).set("prometheus_ports", published_locally(m.prometheus_port, 9090));
        mon.set("alertmanager_image", yaml_quote(m.alertmanager_image))
            .set("alertmanager_ports", published_locally(m.alertmanager_port, 9093));
        mon.set("grafana_image", yaml_quote(m.grafana_image)).set("grafana_ports", published_locally(m.grafana_port, 3000));
        mon.set("jaeger_image", yaml_quote(m.jaeger_image));
        mon.set("jaeger_ui_ports", published_locally(m.jaeger_ui_port, 16686))
            .set("jaeger_otlp_ports", published_locally(m.jaeger_otlp_http_port, 4318));
        if (p.replica) mon.set("replica_exporter", TemplateData().set("postgres_exporter_image", yaml_quote(m.postgres_exporter_image)));
        d.set("monitoring", mon);
    }
    d.set("secrets_dir", yaml_escape(s.secrets_dir));

    std::vector<GeneratedFile> files;
    files.push_back({"docker-compose.yml", render_template("docker-compose.yml.mustache", d)});
    std::string dotenv = "# Generated by aaitictl compose generate: read by docker compose (v1 and v2).\nCOMPOSE_PROJECT_NAME=" + s.project + "\n";
    bool secret_env = false;
    for (const auto& e : settings)
        if (e.secret) dotenv += e.key + "=" + e.value + "\n", secret_env = true;
    files.push_back({".env", dotenv, secret_env});
    files.push_back({"postgres/primary-init.sh", render_template("postgres-primary-init.sh.mustache", {})});
    if (p.replica) files.push_back({"postgres/replica-entrypoint.sh", render_template("postgres-replica-entrypoint.sh.mustache", {})});
    return files;
}

}  // namespace aaiti::stack
