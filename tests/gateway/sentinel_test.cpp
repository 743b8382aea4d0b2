// The Redis rate limiter behind Sentinel: a master, a replica and one sentinel of our own
// (tests/support/redis_sentinel.h). The gateway finds the master through the sentinel, and after a
// failover (the old master demoted under its connection, or killed) goes on counting in Redis on the
// new master, not in the in-process fallback. A sentinel with a password of its own is asked after AUTH.
#include <catch2/catch.hpp>

#include "tests/gateway/gateway_test_support.h"
#include "tests/support/redis_sentinel.h"

using namespace aaiti;
using namespace aaiti::gateway;
using namespace aaiti::gateway::test;

namespace {

// One I/O thread: one Redis link, so "the link has moved to the new master" is one fact.
GatewayOptions sentinel_gateway_options(const TestUpstream& svc, const std::string& redis_url) {
    auto o = test_gateway_options({route("/api/svc", {&svc})});
    o.server.threads = 1;
    o.rate_limit_enabled = true;
    o.redis_url = redis_url;
    o.rate_limit_max = 4;
    o.rate_limit_window = std::chrono::seconds(60);
    return o;
}

// The sum of the limiter's counters for `ip` on the Redis at `port` (the keys are per window).
int counted_on(const aaiti::test::RedisSentinelGroup& group, int port, const std::string& ip) {
    const std::string keys = group.cli(port, {"KEYS", "aaiti:rl:ip:" + ip + ":*"});
    int total = 0;
    std::size_t start = 0;
    while (start < keys.size()) {
        auto end = keys.find('\n', start);
        if (end == std::string::npos) end = keys.size();
        const std::string key = keys.substr(start, end - start);
        if (!key.empty()) total += std::stoi(group.cli(port, {"GET", key}));
        start = end + 1;
    }
    return total;
}

double local_decisions(std::uint16_t port) {
    return metric_value(http(port, "GET", "/metrics").body, "gateway_rate_limiter_local_decisions_total");
}

// Four requests from a new client: Remaining counts 3..0 and the fifth is 429, all decided in Redis
// (no local decision meanwhile), counted on the Redis at `master_port`.
void check_counting_in_redis(const Gateway& gw, const aaiti::test::RedisSentinelGroup& group, int master_port) {
    const double local_before = local_decisions(gw.port());
    const std::string ip = fresh_loopback_ip();
    for (int i = 0; i < 4; ++i) {
        const auto r = http(gw.port(), "GET", "/api/svc/name", {}, {}, ip);
        INFO("request " << i << ": " << r.status << " " << r.body);
        REQUIRE(r.status == 200);
        CHECK(r.header("RateLimit-Remaining") == std::to_string(3 - i));
    }
    CHECK(http(gw.port(), "GET", "/api/svc/name", {}, {}, ip).status == 429);
    CHECK(local_decisions(gw.port()) == local_before);
    CHECK(counted_on(group, master_port, ip) == 4);
}

}  // namespace

TEST_CASE("the gateway's limiter finds the Redis master through Sentinel and follows a failover", "[sentinel]") {
    aaiti::test::RedisSentinelGroup group("aaiti-gw", "gw-pw");
    TestUpstream svc("svc");
    Gateway gw(sentinel_gateway_options(svc, group.url()));
    gw.start();

    // (a) Found at start (before any request): counting in Redis from the first request on.
    check_counting_in_redis(gw, group, group.first_master_port());
    CHECK(local_decisions(gw.port()) == 0);
    CHECK(metric_value(http(gw.port(), "GET", "/metrics").body, "gateway_rate_limiter_redis_connections") == 1);

    // (b) Failover; the old master becomes a replica under the gateway's open connection, which then
    // gets READONLY: that request is decided locally and the link looks the master up again.
    const int new_master = group.failover();
    group.demote_first_master();
    const std::string probe_ip = fresh_loopback_ip();
    REQUIRE(eventually([&] {
        http(gw.port(), "GET", "/api/svc/name", {}, {}, probe_ip);
        return counted_on(group, new_master, probe_ip) >= 1;
    }, std::chrono::seconds(10)));
    CHECK(local_decisions(gw.port()) >= 1);  // the READONLY answer
    CHECK(metric_value(http(gw.port(), "GET", "/metrics").body, "gateway_rate_limiter_redis_connections") == 1);
    check_counting_in_redis(gw, group, new_master);
}

TEST_CASE("the gateway's limiter falls back locally while a killed master is replaced, then counts on the new one", "[sentinel]") {
    aaiti::test::RedisSentinelGroup group("aaiti-gw-kill");
    TestUpstream svc("svc");
    Gateway gw(sentinel_gateway_options(svc, group.url()));
    gw.start();
    check_counting_in_redis(gw, group, group.first_master_port());

    group.kill_first_master();
    // Requests keep being answered (locally) while the sentinel notices and promotes the replica.
    const std::string probe_ip = fresh_loopback_ip();
    REQUIRE(eventually([&] {
        CHECK(http(gw.port(), "GET", "/api/svc/name", {}, {}, probe_ip).status != 503);
        return counted_on(group, group.first_replica_port(), probe_ip) >= 1;
    }, std::chrono::seconds(15)));
    CHECK(local_decisions(gw.port()) >= 1);
    check_counting_in_redis(gw, group, group.first_replica_port());
}

TEST_CASE("the gateway's limiter finds the Redis master through a sentinel that requires its own password", "[sentinel]") {
    aaiti::test::RedisSentinelGroup group("aaiti-gw-auth", "gw-data-pw", "gw-sentinel-pw");
    TestUpstream svc("svc");
    Gateway gw(sentinel_gateway_options(svc, group.url() + "?sentinel_password=gw-sentinel-pw"));
    gw.start();
    check_counting_in_redis(gw, group, group.first_master_port());
    CHECK(local_decisions(gw.port()) == 0);
}
