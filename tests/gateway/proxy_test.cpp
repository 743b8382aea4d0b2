// Proxying through a real gateway to real upstreams: methods, bodies, headers, limits, errors.
#include <catch2/catch.hpp>

#include <thread>

#include "tests/gateway/gateway_test_support.h"
#include "tests/gateway/scripted_upstream.h"
#include "tests/support/network.h"

using namespace aaiti::gateway;
using namespace aaiti::gateway::test;

namespace {

// GET `target` on the kept-alive connection `c`; its answer's status.
int get_on(RawConnection& c, const std::string& target) {
    if (!c.send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n")) return 0;
    const auto r = c.read_reply();
    return r ? r->status : 0;
}

// Connections the upstream accepted: the gateway's pooled one(s), health checks and this query.
double upstream_connections(const TestUpstream& up) {
    return metric_value(http(up.port(), "GET", "/metrics").body, "http_connections_accepted_total");
}

}  // namespace

TEST_CASE("GET, POST and PUT are proxied with their bodies, query and end-to-end headers") {
    TestUpstream up("a");
    Gateway gw(test_gateway_options({route("/api/svc", {&up})}));
    gw.start();

    auto get = http(gw.port(), "GET", "/api/svc/echo?x=1&y=two", {{"X-Custom", "v1"}, {"Accept", "text/plain"}});
    REQUIRE(get.status == 200);
    auto e = parse_echo(get.body);
    CHECK(e["method"] == "GET");
    CHECK(e["path"] == "/api/svc/echo");
    CHECK(e["query"] == "x=1&y=two");
    CHECK(e["header:x-custom"] == "v1");
    CHECK(e["header:accept"] == "text/plain");
    CHECK(e["header:host"] == "gw.test");
    CHECK(get.header("X-Upstream") == "a");
    CHECK(get.header("X-End-To-End") == "kept");

    for (const char* method : {"POST", "PUT"}) {
        const std::string body = std::string(R"({"symbol":"BTC","qty":)") + (method[1] == 'O' ? "1" : "2") + "}";
        auto r = http(gw.port(), method, "/api/svc/echo", {{"Content-Type", "application/json"}}, body);
        REQUIRE(r.status == 200);
        auto m = parse_echo(r.body);
        CHECK(m["method"] == method);
        CHECK(m["body"] == body);
        CHECK(m["header:content-type"] == "application/json");
        CHECK(m["header:content-length"] == std::to_string(body.size()));
    }
    // A larger body (not a multiple of any buffer size) arrives intact.
    std::string big(300'001, 'z');
    auto r = http(gw.port(), "POST", "/api/svc/echo", {}, big);
    REQUIRE(r.status == 200);
    CHECK(parse_echo(r.body)["body"] == big);
}

TEST_CASE("hop-by-hop headers are removed both ways; X-Forwarded-*, X-Request-Id and traceparent are set") {
    TestUpstream up("a");
    Gateway gw(test_gateway_options({route("/api/svc", {&up})}));
    gw.start();
    const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    auto r = http(gw.port(), "GET", "/api/svc/echo",
                  {{"Keep-Alive", "timeout=5"},
                   {"TE", "trailers"},
                   {"Upgrade", "websocket"},
                   {"Proxy-Authorization", "Basic eA=="},
                   {"X-Secret-Hop", "drop me"},
                   {"Connection", "X-Secret-Hop"},
                   {"X-Forwarded-For", "203.0.113.9"},
                   {"X-Request-Id", "req-gw-1"},
                   {"traceparent", "00-" + trace + "-00f067aa0ba902b7-01"}});
    REQUIRE(r.status == 200);
    auto e = parse_echo(r.body);
    for (const char* h : {"header:keep-alive", "header:te", "header:upgrade", "header:proxy-authorization", "header:x-secret-hop"})
        CHECK(e.count(h) == 0);
    // The client's own Connection fields are not passed on either: upstream connections are the
    // gateway's to manage.
    CHECK(e.count("header:connection") == 0);
    // The client is no trusted proxy: its own X-Forwarded-For is a claim, replaced by its address.
    CHECK(e["header:x-forwarded-for"] == "127.0.0.1");
    CHECK(e["header:x-forwarded-proto"] == "http");
    CHECK(e["header:x-request-id"] == "req-gw-1");
    // The upstream's parent span is the gateway's span, which the gateway reports to the client.
    const std::string client_tp = r.header("traceparent");
    REQUIRE(client_tp.size() == 55);
    CHECK(client_tp.substr(3, 32) == trace);
    CHECK(e["header:traceparent"] == client_tp);
    CHECK(r.header("X-Request-Id") == "req-gw-1");
    // Response side: the upstream's Keep-Alive and Proxy-Authenticate stay behind.
    CHECK_FALSE(r.has_header("Keep-Alive"));
    CHECK_FALSE(r.has_header("Proxy-Authenticate"));
    CHECK(r.header("X-End-To-End") == "kept");
}

TEST_CASE("X-Forwarded-For from a trusted proxy is passed on with the proxy's address appended") {
    TestUpstream up("a");
    GatewayOptions options = test_gateway_options({route("/api/svc", {&up})});
    options.server.trusted_proxies = aaiti::net::NetworkList::parse("127.0.0.1", "TRUSTED_PROXIES");
    Gateway gw(options);
    gw.start();
    auto r = http(gw.port(), "GET", "/api/svc/echo", {{"X-Forwarded-For", "198.51.100.1"}, {"X-Forwarded-For", "203.0.113.9"}});
    REQUIRE(r.status == 200);
    CHECK(parse_echo(r.body)["header:x-forwarded-for"] == "198.51.100.1, 203.0.113.9, 127.0.0.1");
}

TEST_CASE("the gateway's status pages answer only METRICS_ALLOW, judged by the client behind a trusted proxy") {
    TestUpstream up("a");
    GatewayOptions options = test_gateway_options({route("/api/svc", {&up})});
    options.server.trusted_proxies = aaiti::net::NetworkList::parse("127.0.0.1", "TRUSTED_PROXIES");
    Gateway gw(options);
    gw.start();
    for (const char* page : {"/services", "/health/services", "/metrics"}) {
        INFO(page);
        CHECK(http(gw.port(), "GET", page).status == 200);
        CHECK(http(gw.port(), "GET", page, {{"X-Forwarded-For", "203.0.113.9"}}).status == 403);
    }
}

TEST_CASE("keep-alive clients get many answers on one connection and upstream connections are reused") {
    TestUpstream up("a");
    Gateway gw(test_gateway_options({route("/api/svc", {&up})}));
    gw.start();
    RawConnection c(gw.port());
    for (int i = 0; i < 20; ++i) CHECK(get_on(c, "/api/svc/echo") == 200);
    // One client connection on one I/O thread: one pooled upstream connection serves all 20.
    CHECK(upstream_connections(up) <= 3);  // ours + health checks + this one
}

TEST_CASE("a 5 MiB body is refused with 413 before anything reaches the upstream") {
    TestUpstream up("a");
    Gateway gw(test_gateway_options({route("/api/svc", {&up})}));
    gw.start();
    std::string body(5 * 1024 * 1024, 'x');
    auto r = http(gw.port(), "POST", "/api/svc/echo", {}, body);
    CHECK(r.status == 413);
    CHECK(r.body.find(R"("code":"payload_too_large")") != std::string::npos);
    auto m = http(gw.port(), "GET", "/metrics");
    CHECK(metric_value(m.body, "gateway_upstream_responses_total{upstream=\"" + up.url() + "\",class=\"2xx\"}") <= 0);
}

TEST_CASE("unrouted paths get a JSON 404 and the gateway's own routes are not proxied") {
    TestUpstream up("a");
    Gateway gw(test_gateway_options({route("/api/svc", {&up})}));
    gw.start();
    auto r = http(gw.port(), "GET", "/api/other/x");
    CHECK(r.status == 404);
    CHECK(r.body.find(R"("code":"not_found")") != std::string::npos);
    CHECK(http(gw.port(), "GET", "/health").status == 200);
    // Garbage does not crash anything.
    RawConnection c(gw.port());
    REQUIRE(c.send("BLAH /api/svc/echo HTTP/9.9\r\n\r\n"));
    auto bad = c.read_reply();
    REQUIRE(bad);
    CHECK(bad->status == 400);
    CHECK(http(gw.port(), "GET", "/api/svc/name").status == 200);
}

TEST_CASE("an upstream that does not answer in time gives 504; upstream status codes pass through") {
    TestUpstream up("a");
    auto o = test_gateway_options({route("/api/svc", {&up})});
    o.response_timeout = std::chrono::milliseconds(200);
    Gateway gw(o);
    gw.start();
    auto r = http(gw.port(), "GET", "/api/svc/slow?ms=1500");
    CHECK(r.status == 504);
    CHECK(r.body.find(R"("code":"gateway_timeout")") != std::string::npos);
    CHECK(http(gw.port(), "GET", "/api/svc/status/418").status == 418);
    CHECK(http(gw.port(), "GET", "/api/svc/status/204").status == 204);
}

TEST_CASE("the response timeout applies to each exchange, and a pooled connection outlives it while idle") {
    TestUpstream up("a");
    auto o = test_gateway_options({route("/api/svc", {&up})});
    o.response_timeout = std::chrono::milliseconds(400);
    Gateway gw(o);
    gw.start();
    RawConnection c(gw.port());
    // Five exchanges of 100 ms on one pooled upstream connection: 500 ms in all, each well within 400.
    for (int i = 0; i < 5; ++i) CHECK(get_on(c, "/api/svc/slow?ms=100") == 200);
    // Idle in the pool for longer than the timeout: still open, and used again.
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    CHECK(get_on(c, "/api/svc/echo") == 200);
    CHECK(upstream_connections(up) <= 3);  // ours + health checks + this one
}

TEST_CASE("a POST to an unreachable upstream is not retried and gives 502") {
    const int dead = aaiti::test::free_loopback_port();
    RouteSpec r;
    r.prefix = "/api/svc";
    r.upstreams.push_back(parse_upstream_url("http://127.0.0.1:" + std::to_string(dead)));
    auto o = test_gateway_options({r});
    o.health_interval = std::chrono::seconds(60);  // passive ejection only
    Gateway gw(o);
    gw.start();
    auto res = http(gw.port(), "POST", "/api/svc/echo", {}, "{}");
    CHECK(res.status == 502);
    CHECK(res.body.find(R"("code":"bad_gateway")") != std::string::npos);
    // Now ejected: the circuit is open and the answer is 503 at once.
    auto again = http(gw.port(), "POST", "/api/svc/echo", {}, "{}");
    CHECK(again.status == 503);
    CHECK(again.header("Retry-After") == "1");
}

TEST_CASE("a chunked request body reaches the upstream chunked; an HTTP/1.0 client is answered") {
    TestUpstream up("a");
    Gateway gw(test_gateway_options({route("/api/svc", {&up})}));
    gw.start();
    RawConnection c(gw.port());
    REQUIRE(c.send("POST /api/svc/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
    auto r = c.read_reply();
    REQUIRE(r);
    REQUIRE(r->status == 200);
    auto e = parse_echo(r->body);
    CHECK(e["body"] == "hello world");
    CHECK(e["header:transfer-encoding"] == "chunked");  // forwarded as it came, not gathered first
    CHECK(e.count("header:content-length") == 0);

    RawConnection old(gw.port());
    REQUIRE(old.send("GET /api/svc/name HTTP/1.0\r\n\r\n"));
    auto r10 = old.read_reply();
    REQUIRE(r10);
    CHECK(r10->status == 200);
    CHECK(r10->version == "HTTP/1.0");
    CHECK(r10->body == "a");
}

TEST_CASE("HEAD is proxied: the upstream's Content-Length comes back, and no body") {
    TestUpstream up("a");
    Gateway gw(test_gateway_options({route("/api/svc", {&up})}));
    gw.start();
    const auto head = http(gw.port(), "HEAD", "/api/svc/name");
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    CHECK(head.header("Content-Length") == "1");  // GET /api/svc/name answers "a"
    CHECK(http(gw.port(), "GET", "/api/svc/name").body == "a");  // and the connection pool is still in order
}

TEST_CASE("an upstream that answers garbage or hangs up mid-response gives 502, and the gateway keeps serving") {
    std::string answer;
    SECTION("garbage") { answer = "THIS IS NOT HTTP\r\n\r\n"; }
    SECTION("truncated body") { answer = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part"; }
    ScriptedUpstream fake([answer](ScriptedUpstream::Exchange& x) {
        send_all(x.fd, answer);
        return false;  // then close
    });
    Gateway gw(scripted_gateway_options("/api/svc", fake));
    gw.start();
    auto res = http(gw.port(), "GET", "/api/svc/x");
    CHECK(res.status == 502);
    CHECK(res.body.find(R"("code":"bad_gateway")") != std::string::npos);
    CHECK(http(gw.port(), "GET", "/services").status == 200);
}

TEST_CASE("stopping the gateway lets an in-flight proxied request finish") {
    TestUpstream up("a");
    Gateway gw(test_gateway_options({route("/api/svc", {&up})}));
    gw.start();
    const auto port = gw.port();
    int status = 0;
    std::thread slow([&] { status = http(port, "GET", "/api/svc/slow?ms=800").status; });
    REQUIRE(eventually([&] { return http(port, "GET", "/services").body.find("\"active\":1") != std::string::npos; }));
    gw.stop();
    slow.join();
    CHECK(status == 200);
    CHECK(aaiti::kit::test::connection_refused(port));
}

TEST_CASE("a sole upstream ejected for 5xx still gets requests (panic routing); only unreachable ones open the circuit") {
    TestUpstream up("a");
    auto o = test_gateway_options({route("/api/svc", {&up})});
    o.health_interval = std::chrono::seconds(60);  // passive ejection only
    Gateway gw(o);
    gw.start();
    for (int i = 0; i < 4; ++i) CHECK(http(gw.port(), "GET", "/api/svc/status/503").status == 503);
    // Ejected by the streak, yet it is the only upstream and it answers: it keeps serving.
    const auto r = http(gw.port(), "GET", "/api/svc/name");
    CHECK(r.status == 200);
    CHECK(r.header("X-Upstream") == "a");
}
