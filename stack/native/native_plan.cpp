#include "stack/native/native_plan.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/config.h"
#include "common/error.h"
#include "common/stack_database.h"
#include "stack/native/database_bootstrap.h"
#include "stack/stack_settings.h"

namespace aaiti::stack::native {
namespace {

std::string loopback(int port) { return "127.0.0.1:" + std::to_string(port); }

// The environment every process starts from: enough to run, nothing of the caller's shell (the configuration
// keys the user set are added to the services' on purpose, in service_environment).
std::map<std::string, std::string> base_environment() {
    return {{"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, {"LANG", "C.UTF-8"}, {"TZ", "UTC"}};
}

std::string upstreams_of(const Service& svc) {
    std::string list;
    for (int i = 0; i < svc.replicas; ++i) {
        if (!list.empty()) list += ",";
        list += "http://" + loopback(instance_host_port(svc, i));
    }
    return list;
}

// The stack as it runs natively: our binaries only (the seed's other services exist only as images), and a
// single instance of each without PostgreSQL, because a SQLite file has one writer.
Stack runnable_stack(const Stack& full, bool uses_postgres) {
    Stack s = full;
    s.services.clear();
    for (const auto& svc : full.services) {
        if (!svc.build) continue;
        Service copy = svc;
        if (!uses_postgres) copy.replicas = 1;
        s.services.push_back(copy);
    }
    return s;
}

struct Planner {
    const Stack& full;
    const ProfileSelection& profiles;
    const StateLayout& layout;
    const Toolchain& tools;
    const NativeSecrets& secrets;
    NativePlan plan;

    // The two database nodes: "postgres" (data in postgres/primary, database.port) and "postgres-replica"
    // (postgres/replica, database.replica.port). Which one is the primary is remembered across runs
    // (primary_node_file): after a failover the promoted replica stays the primary, and the other node is rebuilt
    // as its standby instead of coming back as a second primary.
    struct Node {
        std::string name, dir, port_key;
        int port = 0;
    };

    void add_postgres() {
        const auto& db = plan.stack.database;
        const Node nodes[] = {{"postgres", layout.postgres() + "/primary", "database.port", db.port},
                              {"postgres-replica", layout.postgres() + "/replica", "database.replica.port", db.replica_port}};
        const bool swapped = profiles.replica && read_primary_node(layout) == "postgres-replica";
        const Node& primary = nodes[swapped ? 1 : 0];
        const Node& standby = nodes[swapped ? 0 : 1];
        plan.primary_port = primary.port;
        plan.processes.push_back(primary_process(primary));
        if (profiles.replica) plan.processes.push_back(standby_process(standby, primary));
    }

    ProcessSpec node_process(const Node& node) const {
        ProcessSpec p;
        p.name = node.name;
        p.ports = {node.port};
        p.port_keys = {node.port_key};
        p.probe = {ProbeKind::postgres, node.port, "", ""};
        p.stop_signal = SIGINT;  // fast shutdown; SIGTERM would wait for every client to leave
        p.command = {server_argv(node.dir, node.port), base_environment(), tools.postgres_user};
        return p;
    }

    ProcessSpec primary_process(const Node& node) const {
        const auto& db = plan.stack.database;
        ProcessSpec p = node_process(node);
        p.is_database_primary = true;
        // Not --pwfile=/dev/stdin: after the switch to the unprivileged user, reopening our pipe is refused.
        const std::string pwfile = layout.postgres() + "/.initdb-password";
        p.setup.push_back({"initdb",
                           {{tools.postgres_bin + "/initdb", "-D", node.dir, "-U", db.user, "--pwfile=" + pwfile, "--auth-host=scram-sha-256",
                             "--auth-local=peer", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"},
                            base_environment(),
                            tools.postgres_user},
                           node.dir + "/PG_VERSION",
                           pwfile,
                           secrets.db_password + "\n"});
        const DatabaseBootstrap bootstrap{node.port, db.user, secrets.db_password, db.name, db.replication_user,
                                          secrets.replication_password, profiles.replica};
        p.after_first_healthy = [bootstrap] { bootstrap_database(bootstrap); };
        return p;
    }

    ProcessSpec standby_process(const Node& node, const Node& primary) const {
        const auto& db = plan.stack.database;
        ProcessSpec p = node_process(node);
        p.is_database_replica = true;
        p.depends_on = {primary.name};
        // A node without standby.signal is either new or a former primary (promoted, then replaced): its data
        // cannot follow the current primary, so it is discarded and copied afresh. -R writes standby.signal and
        // primary_conninfo: the copy starts as a streaming hot standby.
        const std::string marker = node.dir + "/standby.signal";
        if (std::filesystem::exists(node.dir))
            p.setup.push_back({"discarding data that cannot follow " + primary.name,
                               {{"/bin/rm", "-rf", node.dir}, base_environment(), tools.postgres_user}, marker, "", ""});
        auto env = base_environment();
        env["PGPASSWORD"] = secrets.replication_password;
        const std::vector<std::string> primary_args = {"-h", "127.0.0.1", "-p", std::to_string(primary.port), "-U", db.replication_user,
                                                       "--no-password"};
        // The slot first (over the replication protocol, so the replication role suffices), kept if it exists:
        // a rebuilt copy reuses it, and after a failover the new primary gets its own. -S makes the copy stream
        // through it (-R writes primary_slot_name).
        std::vector<std::string> create_slot = {tools.postgres_bin + "/pg_receivewal", "--create-slot", "--if-not-exists", "-S",
                                                k_replication_slot};
        create_slot.insert(create_slot.end(), primary_args.begin(), primary_args.end());
        p.setup.push_back({"replication slot " + std::string(k_replication_slot) + " on " + primary.name,
                           {create_slot, env, tools.postgres_user}, marker, "", ""});
        std::vector<std::string> basebackup = {tools.postgres_bin + "/pg_basebackup", "-D", node.dir, "-R", "-S", k_replication_slot,
                                               "-X", "stream", "-c", "fast"};
        basebackup.insert(basebackup.end(), primary_args.begin(), primary_args.end());
        p.setup.push_back({"pg_basebackup from " + primary.name, {basebackup, env, tools.postgres_user}, marker, "", ""});
        return p;
    }

    std::vector<std::string> server_argv(const std::string& dir, int port) const {
        // TCP on loopback only, no unix socket (its directory would need to be writable by the server user).
        return {tools.postgres_bin + "/postgres", "-D", dir, "-p", std::to_string(port), "-c", "listen_addresses=127.0.0.1",
                "-c", "unix_socket_directories=", "-c", "hot_standby=on", "-c",
                std::string("max_slot_wal_keep_size=") + k_replication_slot_max_wal};
    }

    void add_redis() {
        ProcessSpec p;
        p.name = "redis";
        p.ports = {plan.stack.redis.port};
        p.port_keys = {"redis.port"};
        p.probe = {ProbeKind::redis, plan.stack.redis.port, "", secrets.redis_password};
        // The password is in a config file of mode 0600 (redis-server's first argument), never on its command line.
        const std::string config = "redis/redis.conf";
        p.command = {{tools.redis_server, layout.config() + "/" + config, "--bind", "127.0.0.1", "--port", std::to_string(plan.stack.redis.port),
                      "--dir", layout.data() + "/redis", "--daemonize", "no", "--save", "60 1", "--appendonly", "no", "--logfile", ""},
                     base_environment(),
                     ""};
        plan.processes.push_back(p);
        GeneratedFile conf{config, "# Written by aaitictl up from secrets_dir/redis_password; the rest is on the command line.\n", true};
        if (!secrets.redis_password.empty()) conf.content += "requirepass \"" + secrets.redis_password + "\"\n";
        plan.config_files.push_back(std::move(conf));
    }

    std::map<std::string, std::string> service_environment(const Service& svc) const {
        auto env = base_environment();
        env["LOG_FORMAT"] = "json";
        env["JWT_SECRET_FILE"] = secrets.jwt_secret_file;
        env["REDIS_URL"] = plan.uses_postgres ? redis_url(plan.stack.redis.port, secrets.redis_password) : "";
        if (plan.uses_postgres && svc.name != "gateway") {  // the gateway keeps no data
            const auto& db = plan.stack.database;
            const int read_port = !profiles.replica ? plan.primary_port : plan.primary_port == db.port ? db.replica_port : db.port;
            env["WRITE_DB_URL"] = database_url(plan.stack, plan.primary_port, secrets.db_password);
            env["READ_DB_URL"] = database_url(plan.stack, read_port, secrets.db_password);
        } else {
            env["SQLITE_DB_PATH"] = native_sqlite_path(layout.root, svc.name);  // where aaiti-auth set-role finds it too
        }
        // Whose X-Forwarded-For to believe; natively every proxy is on 127.0.0.1. The gateway has HAProxy in front
        // of it only with the load balancer: without, it is the edge and believes nobody. The services behind it
        // believe the gateway (and HAProxy before it). METRICS_ALLOW keeps its default, loopback: Prometheus is local.
        env["TRUSTED_PROXIES"] = svc.name != "gateway" || profiles.load_balancer ? "127.0.0.1" : "";
        // The user's settings: the stack file's flat keys, then services.<name>.environment, then the caller's
        // environment and flags (flags > environment > stack file).
        for (const auto& e : plan.passed_settings)
            if (!from_caller(e)) env[e.key] = e.value;
        for (const auto& [k, v] : svc.environment) env[k] = v;
        for (const auto& e : plan.passed_settings)
            if (from_caller(e)) env[e.key] = e.value;
        return env;
    }

    // Instance `i` of one of our HTTP services, listening on its host port; the caller adds what differs.
    ProcessSpec instance_process(const Service& svc, int i, const std::string& probe_path) const {
        const int port = instance_host_port(svc, i);
        ProcessSpec p;
        p.name = instance_names(svc)[static_cast<std::size_t>(i)];
        p.ports = {port};
        p.port_keys = {"services." + svc.name + ".port"};
        p.probe = {ProbeKind::http, port, probe_path, ""};
        p.command = {{binary_of(svc), "--listen", loopback(port)}, service_environment(svc), ""};
        return p;
    }

    void add_services() {
        std::vector<std::string> backends;  // what the services wait for
        if (plan.uses_postgres) backends = {"postgres", "redis"};
        if (profiles.replica) backends.push_back("postgres-replica");
        std::vector<std::string> instances_before_gateway;
        for (const auto& svc : plan.stack.services) {
            if (svc.name == "gateway") continue;
            for (int i = 0; i < svc.replicas; ++i) {
                ProcessSpec p = instance_process(svc, i, "/ready");  // ready: its database answers
                // Alive: the kit answers /health on its I/O threads whatever the database or a login
                // surge does, so only a wedged process is restarted.
                p.liveness_probe = HealthProbe{ProbeKind::http, p.probe.port, "/health", ""};
                p.depends_on = backends;
                instances_before_gateway.push_back(p.name);
                plan.processes.push_back(std::move(p));
            }
        }
        const Service& gw = plan.stack.gateway();
        for (int i = 0; i < gw.replicas; ++i) {
            ProcessSpec p = instance_process(gw, i, "/health");
            p.depends_on = instances_before_gateway;
            if (plan.uses_postgres) p.depends_on.push_back("redis");
            // Every service of the stack file is routed, the ones with no native form too: their clients get the
            // gateway's 503 (upstream down) rather than a 404 that would hide what is missing.
            for (const auto& other : full.services)
                if (other.name != "gateway" && !other.route_prefix.empty()) {
                    const Service* running = plan.stack.find_service(other.name);
                    p.command.argv.push_back("--route");
                    p.command.argv.push_back(other.route_prefix + "=" + upstreams_of(running ? *running : other));
                }
            plan.processes.push_back(std::move(p));
        }
    }

    std::string binary_of(const Service& svc) const {
        if (svc.name == "auth") return tools.auth;
        if (svc.name == "gateway") return tools.gateway;
        // Another service of ours built from this tree sits beside aaiti-auth.
        const auto slash = tools.auth.rfind('/');
        return tools.auth.substr(0, slash + 1) + "aaiti-" + svc.name;
    }

    void add_load_balancer() {
        const auto& l = plan.stack.load_balancer;
        ProcessSpec p;
        p.name = "haproxy";
        p.ports = {l.http_port};
        p.port_keys = {"load_balancer.http_port"};
        if (!l.certificate.empty()) p.ports.push_back(l.https_port), p.port_keys.push_back("load_balancer.https_port");
        p.ports.push_back(l.stats_port);
        p.port_keys.push_back("load_balancer.stats_port");
        // monitor-uri: answered by HAProxy without rendering the stats page, and never logged.
        p.probe = {ProbeKind::http, l.stats_port, "/healthz", ""};
        p.depends_on = instance_names(plan.stack.gateway());
        p.command = {{tools.haproxy, "-db", "-f", layout.config() + "/haproxy/haproxy.cfg"}, base_environment(), ""};
        plan.processes.push_back(p);
        plan.config_files.push_back(render_haproxy(plan.stack, Network::loopback));
    }

    void add_monitoring() {
        const auto& m = plan.stack.monitoring;
        ProcessSpec am;
        am.name = "alertmanager";
        am.ports = {m.alertmanager_port};
        am.port_keys = {"monitoring.alertmanager.port"};
        am.probe = {ProbeKind::http, m.alertmanager_port, "/-/ready", ""};
        am.command = {{tools.alertmanager, "--config.file=" + layout.config() + "/alertmanager/alertmanager.yml",
                       "--storage.path=" + layout.data() + "/alertmanager", "--web.listen-address=" + loopback(m.alertmanager_port),
                       "--cluster.listen-address="},  // no gossip port: one instance
                      base_environment(),
                      ""};
        plan.processes.push_back(am);
        plan.config_files.push_back(render_alertmanager(plan.stack));

        ProcessSpec pr;
        pr.name = "prometheus";
        pr.ports = {m.prometheus_port};
        pr.port_keys = {"monitoring.prometheus.port"};
        pr.probe = {ProbeKind::http, m.prometheus_port, "/-/ready", ""};
        // Last: its first scrape then finds every target up, not a row of "connection refused".
        pr.depends_on = {"alertmanager"};
        for (const auto& p : plan.processes)
            if (p.name != "alertmanager") pr.depends_on.push_back(p.name);
        pr.command = {{tools.prometheus, "--config.file=" + layout.config() + "/prometheus/prometheus.yml",
                       "--storage.tsdb.path=" + layout.data() + "/prometheus", "--web.listen-address=" + loopback(m.prometheus_port)},
                      base_environment(),
                      ""};
        plan.processes.push_back(pr);
        for (auto& f : render_prometheus(plan.stack, profiles, Network::loopback)) plan.config_files.push_back(std::move(f));

        plan.unavailable.push_back({"grafana", m.grafana_port, "not a Debian package; runs under --runtime docker"});
        plan.unavailable.push_back({"jaeger", m.jaeger_ui_port, "not a Debian package; runs under --runtime docker"});
        if (profiles.replica)
            plan.unavailable.push_back({"postgres-exporter", 9187, "not a Debian package in bookworm's version; runs under --runtime docker"});
    }

    void add_unavailable_services() {
        for (const auto& svc : full.services)
            if (!svc.build)
                for (int i = 0; i < svc.replicas; ++i)
                    plan.unavailable.push_back({instance_names(svc)[static_cast<std::size_t>(i)], instance_host_port(svc, i),
                                                "ships only as the image " + svc.image + "; runs under --runtime docker"});
    }
};

}  // namespace

std::string primary_node_file(const StateLayout& layout) { return layout.postgres() + "/primary-node"; }

std::string read_primary_node(const StateLayout& layout) {
    std::ifstream in(primary_node_file(layout));
    std::string name;
    std::getline(in, name);
    return name.empty() ? "postgres" : name;
}

void write_primary_node(const StateLayout& layout, const std::string& name) {
    const std::string path = primary_node_file(layout);
    {
        std::ofstream out(path + ".tmp", std::ios::trunc);
        out << name << '\n';
        if (!out) throw IoError("up: cannot write " + path);
    }
    if (std::rename((path + ".tmp").c_str(), path.c_str()) != 0) throw IoError("up: cannot replace " + path);
}

std::string database_url(const Stack& stack, int port, const std::string& password) {
    return "postgresql://" + percent_encode(stack.database.user) + ":" + percent_encode(password) + "@" + loopback(port) + "/" +
           percent_encode(stack.database.name);
}

std::string redis_url(int port, const std::string& password) {
    return "redis://" + (password.empty() ? "" : ":" + percent_encode(password) + "@") + loopback(port);
}

NativePlan plan_native_stack(const Stack& stack, const ProfileSelection& profiles, const StateLayout& layout, const Toolchain& tools,
                             const NativeSecrets& secrets, const std::vector<ConfigEntry>& settings) {
    Planner planner{stack, profiles, layout, tools, secrets, {}};
    NativePlan& plan = planner.plan;
    plan.profiles = profiles;
    // What the stack wires itself is never taken from the user (stack_settings() has warned about it).
    for (const auto& e : settings)
        if (wired_by_stack(e.key).empty() && !e.value.empty()) plan.passed_settings.push_back(e);
    // PostgreSQL and Redis come with any profile; the embedded default (none) runs on SQLite alone.
    plan.uses_postgres = profiles.replica || profiles.monitoring || profiles.load_balancer;
    plan.stack = runnable_stack(stack, plan.uses_postgres);
    if (plan.uses_postgres) {
        planner.add_postgres();
        planner.add_redis();
        plan.backup_schedule = stack.backup.schedule;
    }
    planner.add_services();
    if (profiles.load_balancer) planner.add_load_balancer();
    if (profiles.monitoring) planner.add_monitoring();
    planner.add_unavailable_services();
    return plan;
}

}  // namespace aaiti::stack::native
