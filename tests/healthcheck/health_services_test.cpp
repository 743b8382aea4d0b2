// PostgreSQL (primary and streaming replica), Redis and TCP probes against the fixture's real servers.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <thread>
#include <nlohmann/json.hpp>

#include "healthcheck/service_probers.h"
#include "tests/healthcheck/health_fixture.h"
#include "tests/support/network.h"
#include "tests/support/process.h"
#include "tests/support/redis_sentinel.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_servers.h"

using Catch::Matchers::Contains;
using nlohmann::json;

namespace aaiti::test {
namespace {

using namespace health_fixture;

TEST_CASE("health: PostgreSQL, its replica, Redis and TCP probed in one round", "[e2e][health]") {
    const auto& servers = test_servers();
    const auto r = aaitictl({"health", "-o", "json", "--target", "db=" + servers.pg_url("postgres"), "--target",
                             "replica=" + servers.pg_replica_url("postgres"), "--target", "cache=" + servers.redis_url, "--target",
                             "pgport=tcp://127.0.0.1:" + std::to_string(servers.pg_port), "--condition",
                             "replica: replication_lag < 1h"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    const auto report = json::parse(r.out);
    for (const auto& t : report["targets"]) CHECK(t["status"] == "up");
    CHECK(report["targets"][0]["kind"] == "postgres");
    CHECK_FALSE(report["targets"][0].contains("replication_lag_seconds"));  // a primary has no lag
    CHECK(report["targets"][1].contains("replication_lag_seconds"));
    CHECK(report["targets"][2]["kind"] == "redis");
}

TEST_CASE("health: unreachable PostgreSQL and Redis fail with the reason, no password shown", "[e2e][health]") {
    const auto dead = std::to_string(free_loopback_port());
    const auto r = aaitictl({"health", "-o", "json", "--timeout", "1s", "--target",
                             "db=postgresql://app:hunter2@127.0.0.1:" + dead + "/app", "--target",
                             "cache=redis://127.0.0.1:" + dead, "--target", "port=tcp://127.0.0.1:" + dead});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, !Contains("hunter2"));
    const auto report = json::parse(r.out);
    for (const auto& t : report["targets"]) {
        CHECK(t["connected"] == false);
        CHECK_THAT(t["failed_condition"].get<std::string>(), Contains("no connection: "));
    }
    CHECK_THAT(report["targets"][1]["error"].get<std::string>(), Contains("refused"));
}

TEST_CASE("health: a redis-sentinel:// target probes the master the sentinel names", "[e2e][health]") {
    RedisSentinelGroup group("aaiti-health", "hc-pw");
    const auto r = aaitictl({"health", "-o", "json", "--target", "cache=" + group.url()});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    const auto report = json::parse(r.out);
    CHECK(report["targets"][0]["kind"] == "redis");
    CHECK(report["targets"][0]["status"] == "up");
    CHECK_THAT(r.out, !Contains("hc-pw"));

    const auto dead = std::to_string(free_loopback_port());
    const auto down = aaitictl({"health", "-o", "json", "--timeout", "1s", "--target", "cache=redis-sentinel://:hc-pw@127.0.0.1:" + dead + "/m"});
    CHECK(down.exit_code == 1);
    CHECK_THAT(down.out, !Contains("hc-pw"));
    CHECK_THAT(json::parse(down.out)["targets"][0]["error"].get<std::string>(), Contains("no master \"m\""));
}

TEST_CASE("health: a PostgreSQL login refused is a failure naming the server's error", "[e2e][health]") {
    const auto& servers = test_servers();
    const auto r = aaitictl({"health", "-o", "json", "--target",
                             "db=postgresql://postgres@127.0.0.1:" + std::to_string(servers.pg_port) + "/no_such_database"});
    CHECK(r.exit_code == 1);
    const auto report = json::parse(r.out);
    CHECK_THAT(report["targets"][0]["error"].get<std::string>(), Contains("no_such_database"));
}

TEST_CASE("health: Redis PING with a wrong password reports the server's refusal", "[e2e][health]") {
    const auto& servers = test_servers();
    const auto r = aaitictl({"health", "-o", "json", "--target",
                             "cache=redis://:wrong@" + servers.redis_host + ":" + std::to_string(servers.redis_port)});
    CHECK(r.exit_code == 1);
    CHECK_THAT(json::parse(r.out)["targets"][0]["error"].get<std::string>(), Contains("redis:"));
}

TEST_CASE("health --stack: every service instance, PostgreSQL and Redis of the stack file", "[e2e][health]") {
    const auto& servers = test_servers();
    HealthPeer gateway;
    TempDir dir;
    const auto stack = dir.write_file("aaiti.yaml", "services:\n  gateway:\n    port: " + std::to_string(gateway.port()) +
                                                        "\ndatabase:\n  name: postgres\n  user: postgres\n  port: " +
                                                        std::to_string(servers.pg_port) + "\nredis:\n  port: " +
                                                        std::to_string(servers.redis_port) + "\n");
    const auto r = aaitictl({"health", "-o", "json", "--timeout", "1s", "--stack", stack.string()});
    INFO(r.out << r.err);
    REQUIRE_FALSE(r.out.empty());
    std::map<std::string, json> by_name;
    const auto report = json::parse(r.out);
    for (const auto& t : report["targets"]) by_name[t["name"].get<std::string>()] = t;
    CHECK(by_name.at("gateway")["status"] == "up");
    CHECK(by_name.at("gateway")["url"] == gateway.url("/health"));
    CHECK(by_name.at("postgres")["status"] == "up");
    CHECK(by_name.at("redis")["status"] == "up");
    // The seed's other services are targets too (up or not), each replica on its own.
    CHECK((by_name.count("auth") == 1 || by_name.count("auth-1") == 1));
}

TEST_CASE("health --stack: the stack's Redis is asked with the password of secrets_dir/redis_password, never shown", "[e2e][health]") {
    TempDir dir;
    const int port = free_loopback_port();
    ChildProcess redis({"redis-server", "--requirepass", "pw-of-the-stack", "--bind", "127.0.0.1", "--port", std::to_string(port), "--save",
                        "", "--appendonly", "no", "--dir", dir.path().string()});
    dir.write_file("secrets/redis_password", "pw-of-the-stack\n");
    const auto stack = dir.write_file("aaiti.yaml", "redis:\n  port: " + std::to_string(port) + "\n");
    json redis_target = json::object();
    std::string last;  // the last report, for the message
    for (int attempt = 0; attempt < 50 && redis_target.value("status", "") != "up"; ++attempt) {
        const auto r = aaitictl({"health", "-o", "json", "--timeout", "1s", "--stack", stack.string()});
        last = r.out + r.err;
        INFO(r.out << r.err);
        REQUIRE_FALSE(r.out.empty());
        CHECK(r.out.find("pw-of-the-stack") == std::string::npos);
        CHECK(r.err.find("pw-of-the-stack") == std::string::npos);
        const json report = json::parse(r.out);
        for (const auto& t : report["targets"])
            if (t["name"] == "redis") redis_target = t;
        if (redis_target.value("status", "") != "up") std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    INFO(redis_target.dump() << "\n" << last);
    CHECK(redis_target["status"] == "up");
}

}  // namespace
}  // namespace aaiti::test
