// Route and upstream parsing, prefix matching, balancing choices and upstream state: no sockets.
#include <catch2/catch.hpp>

#include "common/error.h"
#include "services/gateway/edge_auth.h"
#include "services/gateway/gateway_options.h"
#include "services/gateway/proxy_headers.h"
#include "services/gateway/route_table.h"

using namespace aaiti;
using namespace aaiti::gateway;

TEST_CASE("a route flag PREFIX=URL,URL parses prefixes and upstream lists and refuses bad ones") {
    auto r = parse_route("/api/trading/=http://127.0.0.1:3002, http://localhost:4002/");
    CHECK(r.prefix == "/api/trading");
    REQUIRE(r.upstreams.size() == 2);
    CHECK(r.upstreams[0].url == "http://127.0.0.1:3002");
    CHECK(r.upstreams[1].host == "localhost");
    CHECK(r.upstreams[1].port == 4002);
    CHECK(parse_upstream_url("http://[::1]:8080").url == "http://[::1]:8080");
    CHECK(parse_upstream_url("http://svc").port == 80);
    CHECK_THROWS_AS(parse_route("api=http://x:1"), ConfigError);
    const auto open = parse_route("/market=http://127.0.0.1:1,http://127.0.0.1:2;public; unlimited");
    CHECK(open.upstreams.size() == 2);
    CHECK(open.public_access);
    CHECK_FALSE(open.rate_limited);
    CHECK_FALSE(parse_route("/x=http://127.0.0.1:1").public_access);
    CHECK_THROWS_WITH(parse_route("/x=http://127.0.0.1:1;open"), Catch::Contains("unknown option \"open\""));
    CHECK_THROWS_AS(parse_route("/api"), ConfigError);
    CHECK_THROWS_AS(parse_route("/api="), ConfigError);
    CHECK_THROWS_AS(parse_upstream_url("https://x:1"), ConfigError);
    CHECK_THROWS_AS(parse_upstream_url("http://x:99999"), ConfigError);
    CHECK_THROWS_AS(parse_upstream_url("http://x:1/base"), ConfigError);
    CHECK_THROWS_AS(parse_balance("random"), ConfigError);
}

TEST_CASE("the longest prefix wins and a prefix matches only whole segments") {
    RouteTable t({parse_route("/api=http://127.0.0.1:1"), parse_route("/api/trading=http://127.0.0.1:2"),
                  parse_route("/api/trading/orders=http://127.0.0.1:3")},
                 {});
    CHECK(t.match("/api/trading/orders/7")->prefix == "/api/trading/orders");
    CHECK(t.match("/api/trading/x")->prefix == "/api/trading");
    CHECK(t.match("/api/trading")->prefix == "/api/trading");
    CHECK(t.match("/api/tradingfoo")->prefix == "/api");
    CHECK(t.match("/apix") == nullptr);
    CHECK(t.match("/") == nullptr);
    // The same URL in two routes is one upstream with one health state.
    RouteTable shared({parse_route("/a=http://127.0.0.1:1"), parse_route("/b=http://127.0.0.1:1,http://127.0.0.1:2")}, {});
    CHECK(shared.upstreams().size() == 2);
}

TEST_CASE("round-robin rotates, skips unavailable upstreams and reports none when all are out") {
    RouteTable t({parse_route("/s=http://127.0.0.1:1,http://127.0.0.1:2,http://127.0.0.1:3")}, {});
    const Route& r = t.routes()[0];
    std::size_t cursor = 0;
    auto now = Clock::now();
    CHECK(pick_upstream(r, Balance::round_robin, cursor, nullptr, now) == r.upstreams[0]);
    CHECK(pick_upstream(r, Balance::round_robin, cursor, nullptr, now) == r.upstreams[1]);
    CHECK(pick_upstream(r, Balance::round_robin, cursor, nullptr, now) == r.upstreams[2]);
    r.upstreams[1]->on_connect_error(now);  // ejected
    CHECK(r.upstreams[1]->state(now) == UpstreamState::ejected);
    for (int i = 0; i < 6; ++i) CHECK(pick_upstream(r, Balance::round_robin, cursor, nullptr, now) != r.upstreams[1]);
    CHECK(pick_upstream(r, Balance::round_robin, cursor, r.upstreams[0], now) == r.upstreams[2]);
    r.upstreams[0]->on_connect_error(now);
    r.upstreams[2]->on_connect_error(now);
    CHECK(pick_upstream(r, Balance::round_robin, cursor, nullptr, now) == nullptr);
}

TEST_CASE("least-connections picks the upstream with the fewest requests in flight") {
    RouteTable t({parse_route("/s=http://127.0.0.1:1,http://127.0.0.1:2")}, {});
    const Route& r = t.routes()[0];
    std::size_t cursor = 0;
    r.upstreams[0]->begin_request();
    for (int i = 0; i < 4; ++i) CHECK(pick_upstream(r, Balance::least_conn, cursor, nullptr, Clock::now()) == r.upstreams[1]);
    r.upstreams[1]->begin_request();
    r.upstreams[1]->begin_request();
    CHECK(pick_upstream(r, Balance::least_conn, cursor, nullptr, Clock::now()) == r.upstreams[0]);
}

TEST_CASE("health probes: 3 failures take an upstream down, 2 successes bring it back; 5xx streaks eject with back-off") {
    HealthPolicy p;
    p.eject_base = std::chrono::milliseconds(100);
    Upstream u(0, parse_upstream_url("http://127.0.0.1:1"), p);
    auto now = Clock::now();
    CHECK(u.state(now) == UpstreamState::up);
    CHECK_FALSE(u.on_probe(false));
    CHECK_FALSE(u.on_probe(false));
    CHECK(u.on_probe(false));
    CHECK(u.state(now) == UpstreamState::down);
    CHECK_FALSE(u.on_probe(true));
    CHECK(u.on_probe(true));
    CHECK(u.state(now) == UpstreamState::up);
    u.on_response(502, now);
    u.on_response(500, now);
    CHECK(u.state(now) == UpstreamState::up);
    u.on_response(503, now);
    CHECK(u.state(now) == UpstreamState::ejected);
    CHECK(u.state(now + std::chrono::milliseconds(150)) == UpstreamState::up);  // first back-off: 100 ms
    // A second ejection in a row lasts twice as long.
    auto later = now + std::chrono::milliseconds(150);
    u.on_connect_error(later);
    CHECK(u.state(later + std::chrono::milliseconds(150)) == UpstreamState::ejected);
    CHECK(u.state(later + std::chrono::milliseconds(250)) == UpstreamState::up);
}

TEST_CASE("a 503 with Retry-After is load shed: it neither ejects the upstream nor ends an error streak") {
    HealthPolicy p;
    Upstream u(0, parse_upstream_url("http://127.0.0.1:1"), p);
    const auto now = Clock::now();
    for (int i = 0; i < 10; ++i) u.on_response(503, now, true);  // a login surge refused by a live auth
    CHECK(u.state(now) == UpstreamState::up);
    CHECK(u.errors() == 0);
    u.on_response(500, now);
    u.on_response(503, now, true);
    u.on_response(502, now);
    CHECK(u.state(now) == UpstreamState::up);
    u.on_response(503, now);  // without Retry-After: a failure like any other 5xx
    CHECK(u.state(now) == UpstreamState::ejected);
}

TEST_CASE("only the four auth entry points are public") {
    CHECK(is_public_request("POST", "/api/auth/login"));
    CHECK(is_public_request("POST", "/api/auth/register"));
    CHECK(is_public_request("POST", "/api/auth/refresh"));
    CHECK(is_public_request("POST", "/api/auth/verify/"));
    CHECK_FALSE(is_public_request("GET", "/api/auth/login"));
    CHECK_FALSE(is_public_request("POST", "/api/auth/logout"));
    CHECK_FALSE(is_public_request("POST", "/api/auth/login/x"));
    CHECK_FALSE(is_public_request("GET", "/api/trading/orders"));
}

TEST_CASE("hop-by-hop fields, including those named in Connection, are recognised") {
    for (const char* f : {"Connection", "keep-alive", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Proxy-Authorization",
                          "proxy-connection"})
        CHECK(is_hop_by_hop(f, ""));
    CHECK(is_hop_by_hop("X-Secret", "keep-alive, X-Secret"));
    CHECK_FALSE(is_hop_by_hop("X-Other", "keep-alive, X-Secret"));
    CHECK_FALSE(is_hop_by_hop("Content-Type", "close"));
    CHECK_FALSE(is_hop_by_hop("Tx", ""));          // the length of "te", another name
    CHECK_FALSE(is_hop_by_hop("Updated", ""));     // the length of "upgrade"
    for (const char* f : {"Content-Length", "content-type", "Date", "X-Request-Id", "traceparent", "X-Frame-Options",
                          "Referrer-Policy", "X-Content-Type-Options"})
        CHECK(is_kit_response_field(f));
    for (const char* f : {"Cache-Control", "Set-Cookie", "Dates", "X-Request-Ix", "Location"}) CHECK_FALSE(is_kit_response_field(f));
}

#include "tests/support/process.h"

TEST_CASE("aaiti-gateway: --help exits 0, bad flags 64, a missing JWT_SECRET 78 with a message naming it") {
    const std::string bin = aaiti::test::binary_path("aaiti-gateway");
    aaiti::test::ProcessOptions clean;
    clean.inherit_environment = false;
    clean.timeout = std::chrono::seconds(20);
    auto help = aaiti::test::run_process({bin, "--help"}, clean);
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("--route") != std::string::npos);
    CHECK(aaiti::test::run_process({bin, "--balance", "random"}, clean).exit_code != 0);
    CHECK(aaiti::test::run_process({bin, "--no-such-flag"}, clean).exit_code == 64);
    CHECK(aaiti::test::run_process({bin, "--health-interval", "soon"}, clean).exit_code == 64);
    auto no_secret = aaiti::test::run_process({bin, "--listen", "127.0.0.1:0"}, clean);
    CHECK(no_secret.exit_code == 78);
    CHECK(no_secret.err.find("JWT_SECRET") != std::string::npos);
    auto bad_route = aaiti::test::run_process({bin, "--route", "/api=https://x:1"}, clean);
    CHECK(bad_route.exit_code == 78);
}

TEST_CASE("aaiti-gateway refuses a short or placeholder JWT_SECRET, or JWT_PREVIOUS_SECRETS entry, at start-up (78)") {
    const std::string bin = aaiti::test::binary_path("aaiti-gateway");
    const std::string good = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
    const std::vector<std::pair<std::vector<std::pair<std::string, std::string>>, std::string>> cases = {
        {{{"JWT_SECRET", "abcde"}}, "JWT_SECRET is 5 bytes long"},
        {{{"JWT_SECRET", "your-super-secret-jwt-key-change-in-production"}}, "JWT_SECRET is a placeholder"},
        {{{"JWT_SECRET", "secret"}}, "JWT_SECRET is a placeholder"},
        {{{"JWT_SECRET", good}, {"JWT_PREVIOUS_SECRETS", "old-and-short"}}, "JWT_PREVIOUS_SECRETS entry 1 is 13 bytes long"},
    };
    for (const auto& [env, says] : cases) {
        INFO(says);
        aaiti::test::ProcessOptions clean;
        clean.inherit_environment = false;
        clean.timeout = std::chrono::seconds(20);
        clean.env = env;
        auto r = aaiti::test::run_process({bin, "--listen", "127.0.0.1:0"}, clean);
        CHECK(r.exit_code == 78);
        CHECK(r.err.find(says) != std::string::npos);
        CHECK(r.err.find("openssl rand -hex 32") != std::string::npos);
        CHECK(r.err.find("your-super-secret") == std::string::npos);  // the value is never echoed
    }
}
