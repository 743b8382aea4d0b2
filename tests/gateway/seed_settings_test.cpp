// The seed's settings, as the seed means them, through the aaiti-gateway binary ([e2e]: the harness
// Redis): RATE_LIMIT_WINDOW in milliseconds, SERVICE_VERSION and NODE_ENV on /metrics and on spans, and
// the seed's Thrift JAEGER_ENDPOINT refused at start-up.
#include <catch2/catch.hpp>

#include <mutex>

#include "tests/gateway/gateway_test_support.h"
#include "tests/support/network.h"
#include "tests/support/process.h"
#include "tests/support/test_servers.h"

using namespace aaiti;
using namespace aaiti::gateway;
using namespace aaiti::gateway::test;

namespace {
constexpr const char* k_secret = "seed-settings-test-secret-0123456789";
}  // namespace

TEST_CASE("aaiti-gateway with the seed's settings: a 15-minute window, its version and environment reported [e2e]", "[e2e]") {
    const auto& servers = aaiti::test::test_servers();
    TestUpstream svc("svc");
    OtlpReceiver jaeger;
    const int port = aaiti::test::free_loopback_port();
    aaiti::test::ProcessOptions po;
    po.inherit_environment = false;
    po.env = {{"JWT_SECRET", k_secret},       {"REDIS_URL", servers.redis_url},   {"RATE_LIMIT_MAX", "100"},
              {"RATE_LIMIT_WINDOW", "900000"}, {"SERVICE_VERSION", "2.1.0-seed"}, {"NODE_ENV", "production"},
              {"JAEGER_ENDPOINT", jaeger.base_url()}};
    aaiti::test::ChildProcess gateway({aaiti::test::binary_path("aaiti-gateway"), "--listen", "127.0.0.1:" + std::to_string(port),
                                       "--route", "/api/svc=" + svc.url(), "--threads", "1"},
                                      po);
    REQUIRE(aaiti::test::wait_for_loopback_port(port));
    const std::string ip = fresh_loopback_ip();
    const auto r = http(static_cast<std::uint16_t>(port), "GET", "/api/svc/name",
                        {{"Authorization", "Bearer " + access_token_for(k_secret, "seed-" + ip)}}, {}, ip);
    REQUIRE(r.status == 200);
    // 900000 ms is 15 minutes, not 900000 s (10.4 days): the window resets within 900 s.
    const int reset = std::stoi(r.header("RateLimit-Reset"));
    CHECK(reset >= 1);
    CHECK(reset <= 900);

    const std::string metrics = http(static_cast<std::uint16_t>(port), "GET", "/metrics").body;
    INFO(metrics);
    CHECK(metrics.find("aaiti_build_info{version=\"2.1.0-seed\",") != std::string::npos);
    CHECK(metrics.find("environment=\"production\"} 1") != std::string::npos);

    REQUIRE(eventually([&] { return jaeger.all().find("resourceSpans") != std::string::npos; }, std::chrono::seconds(10)));
    const std::string spans = jaeger.all();
    CHECK(spans.find(R"({"key":"service.version","value":{"stringValue":"2.1.0-seed"}})") != std::string::npos);
    CHECK(spans.find(R"({"key":"deployment.environment","value":{"stringValue":"production"}})") != std::string::npos);
}

TEST_CASE("aaiti-gateway refuses the seed's Thrift JAEGER_ENDPOINT at start-up with exit 78, naming the OTLP URL") {
    aaiti::test::ProcessOptions po;
    po.inherit_environment = false;
    po.env = {{"JWT_SECRET", k_secret}, {"JAEGER_ENDPOINT", "http://jaeger:14268/api/traces"}};
    po.timeout = std::chrono::seconds(20);
    const auto r = aaiti::test::run_process({aaiti::test::binary_path("aaiti-gateway"), "--listen", "127.0.0.1:0", "--route",
                                             "/api/svc=http://127.0.0.1:1"},
                                            po);
    INFO(r.err);
    CHECK(r.exit_code == 78);
    CHECK(r.err.find("JAEGER_ENDPOINT") != std::string::npos);
    CHECK(r.err.find("Thrift") != std::string::npos);
    CHECK(r.err.find("http://jaeger:4318/v1/traces") != std::string::npos);
}
