#include "health_stack_targets.h"

#include "common/stack_database.h"
#include "stack/stack_loader.h"

namespace aaiti::cli {
namespace {

std::string http(int port, const std::string& path) { return "http://127.0.0.1:" + std::to_string(port) + path; }

bool is_instance_of_service(const stack::Stack& s, const std::string& name) {
    for (const auto& service : s.services)
        for (const auto& instance : stack::instance_names(service))
            if (instance == name) return true;
    return false;
}

std::vector<health::Target> running_targets(const stack::Stack& s, const RunningStack& running, const StackDatabase& db,
                                            const Config& config) {
    std::vector<health::Target> targets;
    for (const auto& p : running.processes) {
        // No native form (Grafana, Jaeger, the seed's image-only services), or a primary retired by a failover:
        // nothing is meant to answer there.
        if (p.health == "unavailable" || p.port <= 0 || p.detail.rfind("retired", 0) == 0) continue;
        if (p.name == "postgres" || p.name == "postgres-replica") {
            const std::string url =
                p.name == running.database_primary
                    ? db.write_url
                    : with_password("postgresql://" + percent_encode(config.get_or("DB_USER", "")) + "@127.0.0.1:" +
                                        std::to_string(p.port) + "/" + percent_encode(config.get_or("DB_NAME", "")),
                                    db.password);
            targets.push_back(health::make_target(p.name, url));
        } else if (p.name == "redis") {
            targets.push_back(health::make_target(p.name, stack_redis_url(config, p.port)));
        } else if (p.name == "haproxy") {
            targets.push_back(health::make_target(p.name, http(p.port, "/health")));  // the edge, through to a gateway
        } else if (p.name == "prometheus" || p.name == "alertmanager") {
            targets.push_back(health::make_target(p.name, http(p.port, "/-/ready")));
        } else if (is_instance_of_service(s, p.name)) {
            targets.push_back(health::make_target(p.name, http(p.port, "/health")));
        } else {
            targets.push_back(health::make_target(p.name, "tcp://127.0.0.1:" + std::to_string(p.port)));
        }
    }
    return targets;
}

}  // namespace

StackHealthTargets stack_health_targets(const std::string& stack_file, const Config& config, const std::string& password_file) {
    const stack::Stack s = stack::load_stack_file(stack_file);
    StackDatabaseRequest request;
    request.password_file = password_file;
    const StackDatabase db = find_stack_database(config, request);
    StackHealthTargets out;
    auto explain = [&](StackHealthTargets& targets) {
        if (!db.password.empty()) return;
        for (const auto& t : targets.targets)
            if (t.kind == health::ProbeKind::postgres)
                targets.missing_password_messages[t.name] = db.missing_password_message(t.url == db.write_url ? "" : t.url);
    };
    if (db.running) {
        out.targets = running_targets(s, *db.running, db, config);
        explain(out);
        return out;
    }
    for (const auto& service : s.services) {
        const auto names = stack::instance_names(service);
        for (std::size_t i = 0; i < names.size(); ++i) {
            // Where compose publishes instance i.
            const int port = stack::instance_host_port(service, static_cast<int>(i));
            out.targets.push_back(health::make_target(names[i], http(port, "/health")));
        }
    }
    out.targets.push_back(health::make_target("postgres", db.write_url));
    if (config.get("READ_DB_URL")) out.targets.push_back(health::make_target("postgres-replica", db.read_url));
    out.targets.push_back(health::make_target("redis", stack_redis_url(config, s.redis.port)));
    explain(out);
    return out;
}

}  // namespace aaiti::cli
