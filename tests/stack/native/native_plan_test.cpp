// What the native runtime would run, without running it: processes, order, ports, probes and what has no
// native form, for the embedded default and the production profile; and the roles after a failover.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include "stack/native/native_plan.h"
#include "stack/stack_defaults.h"
#include "tests/support/temp_dir.h"

using Catch::Matchers::Contains;

namespace aaiti::test {
namespace {

using namespace aaiti::stack;
using namespace aaiti::stack::native;

struct Planned {
    TempDir dir{"aaiti-plan"};
    StateLayout layout{(dir / ".aaiti").string()};
    Toolchain tools{"/bin/aaitictl", "/bin/aaiti-auth", "/bin/aaiti-gateway", "/pg/bin", "/bin/redis-server", "/sbin/haproxy",
                    "/bin/prometheus", "/bin/prometheus-alertmanager", "postgres"};
    NativeSecrets secrets{"db-pw", "repl-pw", "/s/jwt_secret", "redis/pw+"};

    NativePlan plan(const std::vector<Profile>& profiles) const {
        return plan_native_stack(default_stack(dir.path().string()), profiles.empty() ? ProfileSelection{} : ProfileSelection::from(profiles),
                                 layout, tools, secrets);
    }
};

std::vector<std::string> names(const NativePlan& plan) {
    std::vector<std::string> out;
    for (const auto& p : plan.processes) out.push_back(p.name);
    return out;
}

const ProcessSpec& process(const NativePlan& plan, const std::string& name) {
    for (const auto& p : plan.processes)
        if (p.name == name) return p;
    FAIL("no process " << name);
    throw std::logic_error("unreachable");
}

bool contains(const std::vector<std::string>& argv, const std::string& arg) {
    return std::find(argv.begin(), argv.end(), arg) != argv.end();
}

std::size_t position(const NativePlan& plan, const std::string& name) {
    const auto n = names(plan);
    return static_cast<std::size_t>(std::find(n.begin(), n.end(), name) - n.begin());
}

}  // namespace

TEST_CASE("native plan: the embedded default is one auth on SQLite and the gateway, nothing else") {
    const Planned p;
    const NativePlan plan = p.plan({});
    CHECK(names(plan) == std::vector<std::string>{"auth", "gateway"});
    CHECK_FALSE(plan.uses_postgres);
    const auto& auth = process(plan, "auth");
    CHECK(auth.command.env.at("SQLITE_DB_PATH") == p.layout.data() + "/auth.sqlite");
    CHECK(auth.command.env.count("WRITE_DB_URL") == 0);
    CHECK(auth.command.env.at("REDIS_URL").empty());  // no Redis: the gateway limits locally
    CHECK(auth.command.run_as.empty());
    CHECK(auth.probe.path == "/ready");  // readiness: healthy, what the gateway waits for
    REQUIRE(auth.liveness_probe);         // liveness: only this one restarts it
    CHECK(auth.liveness_probe->path == "/health");
    CHECK(auth.liveness_probe->port == auth.probe.port);
    const auto& gateway = process(plan, "gateway");
    CHECK_FALSE(gateway.liveness_probe);  // /health is both
    CHECK(gateway.depends_on == std::vector<std::string>{"auth"});
    CHECK(gateway.command.env.count("WRITE_DB_URL") == 0);
    // No HAProxy: the gateway is the edge and believes nobody's X-Forwarded-For; auth believes the gateway's.
    CHECK(gateway.command.env.at("TRUSTED_PROXIES").empty());
    CHECK(auth.command.env.at("TRUSTED_PROXIES") == "127.0.0.1");
    CHECK(gateway.command.env.count("METRICS_ALLOW") == 0);  // the default: loopback
    // Every route of the stack file, the ones with no native form too (they answer 503, not 404).
    const auto& argv = gateway.command.argv;
    CHECK(std::find(argv.begin(), argv.end(), "/api/auth=http://127.0.0.1:3001") != argv.end());
    CHECK(std::find(argv.begin(), argv.end(), "/api/trading=http://127.0.0.1:3002") != argv.end());
    CHECK(plan.backup_schedule.empty());
    CHECK(plan.config_files.empty());
}

TEST_CASE("native plan: production runs nine processes in dependency order and names what it cannot run") {
    const Planned p;
    const NativePlan plan = p.plan({Profile::production});
    auto n = names(plan);
    std::sort(n.begin(), n.end());
    CHECK(n == std::vector<std::string>{"alertmanager", "auth-1", "auth-2", "gateway", "haproxy", "postgres", "postgres-replica",
                                        "prometheus", "redis"});
    for (const auto& proc : plan.processes)
        for (const auto& dep : proc.depends_on) CHECK(position(plan, dep) < position(plan, proc.name));  // a valid start order

    const auto& primary = process(plan, "postgres");
    CHECK(primary.is_database_primary);
    CHECK(primary.command.run_as == "postgres");
    CHECK(primary.stop_signal == SIGINT);
    REQUIRE(primary.setup.size() == 1);
    CHECK_THAT(primary.setup[0].command.argv.front(), Contains("initdb"));
    for (const auto& arg : primary.setup[0].command.argv) CHECK(arg.find("db-pw") == std::string::npos);  // never on a command line
    CHECK(primary.setup[0].input_text == "db-pw\n");
    const auto& replica = process(plan, "postgres-replica");
    CHECK(replica.is_database_replica);
    CHECK(replica.depends_on == std::vector<std::string>{"postgres"});
    // The replica streams through a slot it creates on the primary first; the primary caps what the slot may hold.
    REQUIRE(replica.setup.size() == 2);
    const auto& create_slot = replica.setup[0].command.argv;
    CHECK_THAT(create_slot.front(), Contains("pg_receivewal"));
    CHECK(contains(create_slot, "--create-slot"));
    CHECK(contains(create_slot, "--if-not-exists"));
    CHECK(contains(create_slot, "aaiti_replica"));
    const auto& basebackup = replica.setup[1].command.argv;
    CHECK_THAT(basebackup.front(), Contains("pg_basebackup"));
    CHECK(contains(basebackup, "-S"));
    CHECK(contains(basebackup, "aaiti_replica"));
    for (const auto& step : replica.setup) {
        CHECK(step.done_marker == p.layout.postgres() + "/replica/standby.signal");  // neither runs again once it follows
        CHECK(step.command.env.count("PGPASSWORD") == 1);                            // the replication password, not argv
    }
    CHECK(contains(primary.command.argv, "max_slot_wal_keep_size=1GB"));

    const auto& auth2 = process(plan, "auth-2");
    CHECK(auth2.ports == std::vector<int>{3101});
    CHECK(auth2.port_keys == std::vector<std::string>{"services.auth.port"});
    CHECK_THAT(auth2.command.env.at("WRITE_DB_URL"), Contains("@127.0.0.1:5432/aaiti"));
    CHECK_THAT(auth2.command.env.at("READ_DB_URL"), Contains("@127.0.0.1:5433/aaiti"));
    CHECK(process(plan, "gateway").command.env.count("WRITE_DB_URL") == 0);  // it keeps no data
    // HAProxy (on 127.0.0.1) is in front of the gateway, the gateway in front of auth.
    CHECK(process(plan, "gateway").command.env.at("TRUSTED_PROXIES") == "127.0.0.1");
    CHECK(auth2.command.env.at("TRUSTED_PROXIES") == "127.0.0.1");
    CHECK(auth2.command.env.count("METRICS_ALLOW") == 0);  // Prometheus scrapes from 127.0.0.1: the default allows it
    CHECK(position(plan, "prometheus") == plan.processes.size() - 1);      // last: its first scrape finds all up

    std::vector<std::string> unavailable;
    for (const auto& u : plan.unavailable) unavailable.push_back(u.name);
    for (const char* name : {"grafana", "jaeger", "trading", "users"})
        CHECK(std::find(unavailable.begin(), unavailable.end(), name) != unavailable.end());
    CHECK(plan.backup_schedule == "0 3 * * *");
    CHECK(plan.config_files.size() == 5);  // redis.conf, haproxy.cfg, alertmanager.yml, prometheus.yml, alert-rules.yml
}

TEST_CASE("native plan: Redis requires the password of secrets_dir/redis_password, and every client has it, never on a command line") {
    const Planned p;
    const NativePlan plan = p.plan({Profile::production});
    const auto& redis = process(plan, "redis");
    for (const auto& proc : plan.processes)
        for (const auto& arg : proc.command.argv) CHECK(arg.find("redis/pw+") == std::string::npos);
    // redis-server's first argument is its config file, private, holding requirepass.
    REQUIRE(redis.command.argv.size() > 1);
    CHECK(redis.command.argv[1] == p.layout.config() + "/redis/redis.conf");
    const auto conf = std::find_if(plan.config_files.begin(), plan.config_files.end(), [](const GeneratedFile& f) { return f.path == "redis/redis.conf"; });
    REQUIRE(conf != plan.config_files.end());
    CHECK(conf->secret);
    CHECK_THAT(conf->content, Contains("\nrequirepass \"redis/pw+\"\n"));
    // The supervisor's probe authenticates; the services' REDIS_URL carries the password, percent-encoded.
    CHECK(redis.probe.password == "redis/pw+");
    for (const char* client : {"gateway", "auth-1", "auth-2"}) {
        INFO(client);
        CHECK(process(plan, client).command.env.at("REDIS_URL") == "redis://:redis%2Fpw%2B@127.0.0.1:6379");
    }
    for (const auto& f : plan.config_files)
        if (!f.secret) CHECK(f.content.find("redis/pw+") == std::string::npos);
}

TEST_CASE("native plan: after a failover the promoted node is the primary and the other is rebuilt to follow it") {
    const Planned p;
    std::filesystem::create_directories(p.layout.postgres() + "/primary");  // the old primary's data is there
    write_primary_node(p.layout, "postgres-replica");
    const NativePlan plan = p.plan({Profile::replica});
    CHECK(plan.primary_port == 5433);
    CHECK(process(plan, "postgres-replica").is_database_primary);
    const auto& old = process(plan, "postgres");
    CHECK(old.is_database_replica);
    CHECK(old.depends_on == std::vector<std::string>{"postgres-replica"});
    REQUIRE(old.setup.size() == 3);
    CHECK(old.setup[0].command.argv.front() == "/bin/rm");  // its data cannot follow: copied afresh
    CHECK_THAT(old.setup[1].command.argv.front(), Contains("pg_receivewal"));  // a slot on the new primary
    CHECK(contains(old.setup[1].command.argv, "5433"));
    CHECK(old.setup[2].done_marker == p.layout.postgres() + "/primary/standby.signal");
    CHECK_THAT(process(plan, "auth-1").command.env.at("WRITE_DB_URL"), Contains("@127.0.0.1:5433/"));
    CHECK(process(plan, "gateway").command.env.at("TRUSTED_PROXIES").empty());  // replica has no HAProxy: the gateway is the edge
}

}  // namespace aaiti::test

namespace aaiti::test {

TEST_CASE("native plan: the caller's settings reach every service after services.<name>.environment; the wiring stays the plan's") {
    const Planned p;
    Stack stack = default_stack(p.dir.path().string());
    for (auto& svc : stack.services)
        if (svc.name == "gateway") svc.environment = {{"RATE_LIMIT_MAX", "5"}, {"RATE_LIMIT_WINDOW", "1m"}};
    const auto entry = [](const std::string& key, const std::string& value, ConfigSource source) {
        ConfigEntry e;
        e.key = key;
        e.value = value;
        e.source = source;
        e.origin = source == ConfigSource::environment ? "environment " + key : "aaiti.yaml:3";
        return e;
    };
    const std::vector<ConfigEntry> settings = {
        entry("RATE_LIMIT_MAX", "50", ConfigSource::environment),       // beats the stack file's per-service value
        entry("RATE_LIMIT_WINDOW", "10m", ConfigSource::stack_file),    // the stack file's flat key: the per-service one wins
        entry("LOG_LEVEL", "debug", ConfigSource::stack_file),
        entry("WRITE_DB_URL", "postgresql://elsewhere/db", ConfigSource::environment),  // wiring: never passed
        entry("TRUSTED_PROXIES", "0.0.0.0/0", ConfigSource::environment),
    };
    const NativePlan plan = plan_native_stack(stack, ProfileSelection::from({Profile::production}), p.layout, p.tools, p.secrets, settings);
    const auto& gw = process(plan, "gateway").command.env;
    CHECK(gw.at("RATE_LIMIT_MAX") == "50");
    CHECK(gw.at("RATE_LIMIT_WINDOW") == "1m");
    CHECK(gw.at("LOG_LEVEL") == "debug");
    CHECK(gw.at("TRUSTED_PROXIES") == "127.0.0.1");
    const auto& auth = process(plan, "auth-1").command.env;
    CHECK(auth.at("RATE_LIMIT_MAX") == "50");
    CHECK(auth.at("RATE_LIMIT_WINDOW") == "10m");
    CHECK_THAT(auth.at("WRITE_DB_URL"), Contains("127.0.0.1:5432"));
    CHECK(process(plan, "postgres").command.env.count("RATE_LIMIT_MAX") == 0);  // the services only
    std::vector<std::string> passed;
    for (const auto& e : plan.passed_settings) passed.push_back(e.key);
    CHECK(passed == std::vector<std::string>{"RATE_LIMIT_MAX", "RATE_LIMIT_WINDOW", "LOG_LEVEL"});
}

}  // namespace aaiti::test
