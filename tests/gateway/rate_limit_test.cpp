// Rate limiting: shared across gateway processes through Redis ([e2e]: the harness Redis and two
// aaiti-gateway binaries), and the local fallback when Redis goes away (our own redis-server).
#include <catch2/catch.hpp>

#include <csignal>

#include "tests/gateway/gateway_test_support.h"
#include "tests/support/network.h"
#include "tests/support/process.h"
#include "tests/support/test_servers.h"

using namespace aaiti;
using namespace aaiti::gateway;
using namespace aaiti::gateway::test;

namespace {

constexpr const char* k_secret = "rate-limit-test-secret-0123456789";

// A redis-server of our own that the test can kill and bring back on the same port.
class OwnRedis {
public:
    OwnRedis() : port_(aaiti::test::free_loopback_port()) { start(); }
    void start() {
        process_ = std::make_unique<aaiti::test::ChildProcess>(std::vector<std::string>{
            "redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"});
        REQUIRE(aaiti::test::wait_for_loopback_port(port_));
    }
    void signal(int sig) { process_->signal(sig); }
    void kill() {
        process_->signal(SIGKILL);
        process_->wait(std::chrono::seconds(5));
        process_.reset();
    }
    std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

private:
    int port_;
    std::unique_ptr<aaiti::test::ChildProcess> process_;
};

}  // namespace

TEST_CASE("two gateway processes share one rate limit through Redis: 429 with RateLimit headers [e2e]", "[e2e]") {
    const auto& servers = aaiti::test::test_servers();
    TestUpstream svc("svc");
    std::vector<std::unique_ptr<aaiti::test::ChildProcess>> gateways;
    std::vector<int> ports;
    for (int i = 0; i < 2; ++i) {
        const int port = aaiti::test::free_loopback_port();
        aaiti::test::ProcessOptions po;
        po.inherit_environment = false;
        po.env = {{"JWT_SECRET", k_secret}, {"REDIS_URL", servers.redis_url}, {"RATE_LIMIT_MAX", "6"},
                  {"RATE_LIMIT_WINDOW", "1m"}};
        gateways.push_back(std::make_unique<aaiti::test::ChildProcess>(
            std::vector<std::string>{aaiti::test::binary_path("aaiti-gateway"), "--listen", "127.0.0.1:" + std::to_string(port),
                                     "--route", "/api/svc=" + svc.url(), "--threads", "2"},
            po));
        REQUIRE(aaiti::test::wait_for_loopback_port(port));
        ports.push_back(port);
    }
    const std::string ip = fresh_loopback_ip();
    const std::string auth = "Bearer " + access_token_for(k_secret, "rl-" + ip);
    for (int i = 0; i < 6; ++i) {
        auto r = http(static_cast<std::uint16_t>(ports[i % 2]), "GET", "/api/svc/name", {{"Authorization", auth}}, {}, ip);
        INFO("request " << i << ": " << r.body);
        REQUIRE(r.status == 200);
        CHECK(r.header("RateLimit-Limit") == "6");
        CHECK(r.header("RateLimit-Remaining") == std::to_string(5 - i));
        CHECK(std::stoi(r.header("RateLimit-Reset")) >= 1);
    }
    for (int port : ports) {
        auto r = http(static_cast<std::uint16_t>(port), "GET", "/api/svc/name", {{"Authorization", auth}}, {}, ip);
        CHECK(r.status == 429);
        CHECK(r.body.find(R"("code":"rate_limited")") != std::string::npos);
        CHECK(std::stoi(r.header("Retry-After")) >= 1);
        CHECK(r.header("RateLimit-Remaining") == "0");
    }
    // Another client is not affected.
    CHECK(http(static_cast<std::uint16_t>(ports[0]), "GET", "/api/svc/name", {{"Authorization", "Bearer " + access_token_for(k_secret, "other-" + ip)}},
               {}, fresh_loopback_ip())
              .status == 200);
}

TEST_CASE("when Redis goes away the in-process limiter takes over, and Redis is used again once it is back") {
    OwnRedis redis;
    TestUpstream svc("svc");
    auto o = test_gateway_options({route("/api/svc", {&svc})});
    o.rate_limit_enabled = true;
    o.redis_url = redis.url();
    o.rate_limit_max = 4;
    o.rate_limit_window = std::chrono::seconds(60);
    Gateway gw(o);
    gw.start();
    const std::string ip = fresh_loopback_ip();
    auto r = http(gw.port(), "GET", "/api/svc/name", {}, {}, ip);
    REQUIRE(r.status == 200);
    CHECK(r.header("RateLimit-Remaining") == "3");
    REQUIRE(eventually([&] { return metric_value(http(gw.port(), "GET", "/metrics").body, "gateway_rate_limiter_redis_connections") >= 1; }));

    redis.kill();
    // Requests keep flowing, limited by this process alone: 4 more, then 429.
    int ok = 0, limited = 0;
    for (int i = 0; i < 6; ++i) {
        auto x = http(gw.port(), "GET", "/api/svc/name", {}, {}, ip);
        if (x.status == 200) ++ok;
        if (x.status == 429) {
            ++limited;
            CHECK(x.header("Retry-After").empty() == false);
        }
    }
    CHECK(ok == 4);
    CHECK(limited == 2);
    auto m = http(gw.port(), "GET", "/metrics").body;
    CHECK(metric_value(m, "gateway_rate_limiter_local_decisions_total") >= 6);
    CHECK(metric_value(m, "gateway_rate_limiter_redis_connections") == 0);

    redis.start();
    CHECK(eventually([&] {
        http(gw.port(), "GET", "/api/svc/name", {}, {}, fresh_loopback_ip());
        return metric_value(http(gw.port(), "GET", "/metrics").body, "gateway_rate_limiter_redis_connections") >= 1;
    }, std::chrono::seconds(20)));
}

TEST_CASE("a Redis that stops answering without closing does not hold requests: they are decided locally") {
    OwnRedis redis;
    TestUpstream svc("svc");
    auto o = test_gateway_options({route("/api/svc", {&svc})});
    o.rate_limit_enabled = true;
    o.redis_url = redis.url();
    Gateway gw(o);
    gw.start();
    REQUIRE(http(gw.port(), "GET", "/api/svc/name").status == 200);
    redis.signal(SIGSTOP);
    for (int i = 0; i < 4; ++i) {
        auto r = http(gw.port(), "GET", "/api/svc/name", {}, {}, fresh_loopback_ip());
        CHECK(r.status == 200);
        CHECK(r.header("RateLimit-Limit") == "1000");
    }
    CHECK(metric_value(http(gw.port(), "GET", "/metrics").body, "gateway_rate_limiter_local_decisions_total") >= 1);
    redis.signal(SIGCONT);
}
