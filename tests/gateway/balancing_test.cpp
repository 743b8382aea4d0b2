// Load balancing, health checks, passive ejection, retries and the open circuit, with upstreams
// that the tests stop and restart under the gateway.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "tests/gateway/gateway_test_support.h"
#include "tests/support/network.h"

using namespace aaiti::gateway;
using namespace aaiti::gateway::test;
namespace kit = aaiti::kit;

namespace {

std::string upstream_state(std::uint16_t gateway_port, const std::string& url) {
    auto r = http(gateway_port, "GET", "/services");
    auto at = r.body.find("\"url\":\"" + url + "\",\"state\":\"");
    if (at == std::string::npos) return "absent";
    at = r.body.find("\"state\":\"", at) + 9;
    return r.body.substr(at, r.body.find('"', at) - at);
}

}  // namespace

TEST_CASE("round-robin spreads requests evenly over a route's upstreams") {
    TestUpstream a("a"), b("b");
    Gateway gw(test_gateway_options({route("/api/svc", {&a, &b})}));
    gw.start();
    RawConnection c(gw.port());  // one connection: one I/O thread, one cursor
    std::map<std::string, int> seen;
    std::string previous;
    for (int i = 0; i < 10; ++i) {
        REQUIRE(c.send("GET /api/svc/name HTTP/1.1\r\nHost: x\r\n\r\n"));
        auto r = c.read_reply();
        REQUIRE(r);
        REQUIRE(r->status == 200);
        CHECK(r->body != previous);  // strict alternation
        previous = r->body;
        ++seen[r->body];
    }
    CHECK(seen["a"] == 5);
    CHECK(seen["b"] == 5);
}

TEST_CASE("least-connections sends new requests away from the upstream that is busy") {
    TestUpstream a("a"), b("b");
    auto o = test_gateway_options({route("/api/svc", {&a, &b})});
    o.balance = Balance::least_conn;
    Gateway gw(o);
    gw.start();
    // A slow request occupies one upstream...
    std::string slow_by;
    std::thread slow([&] { slow_by = http(gw.port(), "GET", "/api/svc/slow?ms=1500").body; });
    REQUIRE(eventually([&] {
        auto s = http(gw.port(), "GET", "/services").body;
        return s.find("\"active\":1") != std::string::npos;
    }));
    // ...so every quick one goes to the other.
    std::map<std::string, int> seen;
    for (int i = 0; i < 6; ++i) ++seen[http(gw.port(), "GET", "/api/svc/name").body];
    slow.join();
    REQUIRE((slow_by == "a" || slow_by == "b"));
    const std::string other = slow_by == "a" ? "b" : "a";
    CHECK(seen[other] == 6);
}

TEST_CASE("an upstream killed under load is ejected without failed requests and restored when it is back") {
    TestUpstream a("a"), b("b");
    Gateway gw(test_gateway_options({route("/api/svc", {&a, &b})}));
    gw.start();

    std::atomic<bool> running{true};
    std::atomic<int> ok{0}, failed{0};
    std::vector<std::thread> load;
    for (int t = 0; t < 4; ++t)
        load.emplace_back([&] {
            RawConnection c(gw.port());
            while (running) {
                if (!c.send("GET /api/svc/name HTTP/1.1\r\nHost: x\r\n\r\n")) break;
                auto r = c.read_reply();
                if (r && r->status == 200)
                    ++ok;
                else
                    ++failed;
            }
        });
    REQUIRE(eventually([&] { return ok.load() > 50; }));
    a.stop();
    const int ok_at_kill = ok.load();
    REQUIRE(eventually([&] { return upstream_state(gw.port(), a.url()) != "up"; }));
    REQUIRE(eventually([&] { return upstream_state(gw.port(), a.url()) == "down"; }));  // health checks agree
    REQUIRE(eventually([&] { return ok.load() > ok_at_kill + 50; }));
    // Idempotent GETs that met the dead upstream were retried on the live one.
    CHECK(failed.load() == 0);

    a.start();  // same port
    REQUIRE(eventually([&] { return upstream_state(gw.port(), a.url()) == "up"; }));
    REQUIRE(eventually([&] {
        auto m = http(a.port(), "GET", "/metrics").body;
        return metric_value(m, "http_requests_total{method=\"GET\",route=\"/api/svc/name\",status=\"200\"}") > 0;
    }));
    running = false;
    for (auto& t : load) t.join();
    CHECK(failed.load() == 0);
    auto m = http(gw.port(), "GET", "/metrics").body;
    CHECK(metric_value(m, "gateway_upstream_ejections_total{upstream=\"" + a.url() + "\"}") >= 1);
}

TEST_CASE("a GET or a POST meeting a refused connection is retried once on another upstream") {
    const int dead = aaiti::test::free_loopback_port();
    TestUpstream live("live");
    RouteSpec r;
    r.prefix = "/api/svc";
    r.upstreams.push_back(parse_upstream_url("http://127.0.0.1:" + std::to_string(dead)));  // first in rotation
    r.upstreams.push_back(parse_upstream_url(live.url()));
    auto o = test_gateway_options({r});
    o.health_interval = std::chrono::seconds(60);  // only the passive path
    Gateway gw(o);
    gw.start();
    RawConnection c(gw.port());
    // The first request meets the dead upstream: a POST is as safe to retry after a refused
    // connect as a GET (nothing was sent), its body included.
    for (int i = 0; i < 2; ++i) {
        REQUIRE(c.send("POST /api/svc/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"));
        auto reply = c.read_reply();
        REQUIRE(reply);
        CHECK(reply->status == 200);
        CHECK(parse_echo(reply->body)["body"] == "hello");
    }
    for (int i = 0; i < 4; ++i) {
        REQUIRE(c.send("GET /api/svc/name HTTP/1.1\r\nHost: x\r\n\r\n"));
        auto reply = c.read_reply();
        REQUIRE(reply);
        CHECK(reply->status == 200);
        CHECK(reply->body == "live");
    }
    auto m = http(gw.port(), "GET", "/metrics").body;
    CHECK(metric_value(m, "gateway_retries_total") >= 1);
    CHECK(metric_value(m, "gateway_upstream_errors_total{upstream=\"http://127.0.0.1:" + std::to_string(dead) +
                              "\",kind=\"connect\"}") >= 1);
    CHECK(upstream_state(gw.port(), "http://127.0.0.1:" + std::to_string(dead)) == "ejected");
}

TEST_CASE("when every upstream of a route is down the gateway answers 503 at once and /health/services says so") {
    TestUpstream a("a"), b("b"), other("other");
    auto o = test_gateway_options({route("/api/svc", {&a, &b}), route("/api/other", {&other})});
    // Long timeouts: a 503 here can only come from the open circuit, not from waiting one out.
    o.connect_timeout = std::chrono::seconds(30);
    o.response_timeout = std::chrono::seconds(30);
    Gateway gw(o);
    gw.start();
    auto healthy = http(gw.port(), "GET", "/health/services");
    CHECK(healthy.status == 200);
    CHECK(healthy.body ==
          R"({"status":"ok","services":{"/api/svc":{"status":"up","upstreams_up":2,"upstreams":2},"/api/other":{"status":"up","upstreams_up":1,"upstreams":1}}})");
    a.stop();
    b.stop();
    REQUIRE(eventually([&] { return http(gw.port(), "GET", "/health/services").status == 503; }));
    auto h = http(gw.port(), "GET", "/health/services");
    CHECK(h.body ==
          R"({"status":"degraded","services":{"/api/svc":{"status":"down","upstreams_up":0,"upstreams":2},"/api/other":{"status":"up","upstreams_up":1,"upstreams":1}}})");
    for (const char* method : {"GET", "POST"}) {
        auto r = http(gw.port(), method, "/api/svc/echo", {}, "{}");
        CHECK(r.status == 503);
        CHECK(r.body.find(R"("code":"service_unavailable")") != std::string::npos);
    }
    CHECK(http(gw.port(), "GET", "/api/other/name").header("X-Upstream") == "other");
    auto m = http(gw.port(), "GET", "/metrics").body;
    CHECK(metric_value(m, "gateway_circuit_open_total{route=\"/api/svc\"}") >= 2);
}

TEST_CASE("/services lists routes, upstreams and their states") {
    TestUpstream a("a");
    Gateway gw(test_gateway_options({route("/api/svc", {&a})}));
    gw.start();
    REQUIRE(http(gw.port(), "GET", "/api/svc/name").status == 200);
    auto r = http(gw.port(), "GET", "/services");
    CHECK(r.status == 200);
    CHECK(r.header("Content-Type") == "application/json");
    CHECK(r.body == R"({"balance":"round-robin","routes":[{"prefix":"/api/svc","upstreams":[{"url":")" + a.url() +
                        R"(","state":"up","active":0,"requests":1,"errors":0}]}]})");
}

TEST_CASE("the health checks probe readiness: /ready failing takes an upstream down though /health passes; one without /ready is probed on /health") {
    auto options = [] {
        kit::ServerOptions o;
        o.host = "127.0.0.1";
        o.threads = 1;
        o.access_log = false;
        return o;
    };
    kit::Server unready(options());  // alive (/health 200), its database gone (/ready 503)
    unready.add_readiness_check("database", [] { return kit::CheckResult::failed("unreachable"); });
    unready.start();
    auto legacy_options = options();
    legacy_options.builtin_routes = false;  // a service with only /health: /ready is 404
    kit::Server legacy(legacy_options);
    legacy.get("/health", [](const kit::Request&) { return kit::Response::json(200, R"({"status":"ok"})"); });
    legacy.get("/api/legacy/name", [](const kit::Request&) { return kit::Response::text(200, "legacy"); });
    legacy.start();
    RouteSpec u, l;
    u.prefix = "/api/unready";
    u.upstreams.push_back(parse_upstream_url(unready.base_url()));
    l.prefix = "/api/legacy";
    l.upstreams.push_back(parse_upstream_url(legacy.base_url()));
    Gateway gw(test_gateway_options({u, l}));
    gw.start();
    REQUIRE(eventually([&] { return upstream_state(gw.port(), unready.base_url()) == "down"; }));
    // The same rounds probed the legacy upstream: its 404 on /ready did not count against it.
    CHECK(upstream_state(gw.port(), legacy.base_url()) == "up");
    CHECK(http(gw.port(), "GET", "/api/legacy/name").body == "legacy");
    CHECK(http(gw.port(), "GET", "/api/unready/x").status == 503);
}
