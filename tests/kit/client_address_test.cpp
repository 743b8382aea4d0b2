// Who the client is: the peer, or what a trusted proxy's X-Forwarded-For says; /metrics only for
// METRICS_ALLOW.
#include <catch2/catch.hpp>

#include "tests/kit/kit_test_support.h"

using namespace aaiti::kit;
using namespace aaiti::kit::test;
using aaiti::net::NetworkList;

namespace {
Server& add_echo(Server& s) {
    s.get("/client", [](const Request& r) {
        return Response::text(200, r.client_address + (r.peer_is_trusted_proxy ? "|trusted" : "|direct"));
    });
    return s;
}
}  // namespace

TEST_CASE("without trusted proxies the peer is the client and X-Forwarded-For is ignored") {
    Server s(test_options());
    add_echo(s).start();
    CHECK(get(s.port(), "/client").body == "127.0.0.1|direct");
    CHECK(get(s.port(), "/client", {{"X-Forwarded-For", "203.0.113.5"}}).body == "127.0.0.1|direct");
}

TEST_CASE("a trusted proxy's X-Forwarded-For names the client, walked back past trusted hops only") {
    ServerOptions o = test_options();
    o.trusted_proxies = NetworkList::parse("127.0.0.1, 10.0.0.0/8", "TRUSTED_PROXIES");
    Server s(o);
    add_echo(s).start();
    CHECK(get(s.port(), "/client").body == "127.0.0.1|trusted");
    CHECK(get(s.port(), "/client", {{"X-Forwarded-For", "203.0.113.5"}}).body == "203.0.113.5|trusted");
    // A client's forged entry stands left of what the proxies wrote: it is never reached.
    CHECK(get(s.port(), "/client", {{"X-Forwarded-For", "198.51.100.1, 203.0.113.5, 10.1.2.3"}}).body == "203.0.113.5|trusted");
    // Repeated fields count in order.
    CHECK(get(s.port(), "/client", {{"X-Forwarded-For", "198.51.100.1"}, {"X-Forwarded-For", "203.0.113.5"}}).body ==
          "203.0.113.5|trusted");
}

TEST_CASE("a peer outside the trusted proxies cannot choose its address") {
    ServerOptions o = test_options();
    o.trusted_proxies = NetworkList::parse("127.0.0.2", "TRUSTED_PROXIES");
    Server s(o);
    add_echo(s).start();
    CHECK(get(s.port(), "/client", {{"X-Forwarded-For", "203.0.113.5"}}).body == "127.0.0.1|direct");
}

TEST_CASE("/metrics answers only clients in METRICS_ALLOW, judged by the client address") {
    ServerOptions o = test_options();
    o.trusted_proxies = NetworkList::parse("127.0.0.1", "TRUSTED_PROXIES");
    Server s(o);
    s.start();
    CHECK(get(s.port(), "/metrics").status == 200);  // loopback is allowed by default
    // Through a proxy, for a client elsewhere: the proxy's own address does not lend its rights.
    const auto outside = get(s.port(), "/metrics", {{"X-Forwarded-For", "203.0.113.5"}});
    CHECK(outside.status == 403);
    CHECK_THAT(outside.body, Catch::Contains("METRICS_ALLOW"));
    CHECK(get(s.port(), "/health", {{"X-Forwarded-For", "203.0.113.5"}}).status == 200);
}

TEST_CASE("METRICS_ALLOW can name the scraper's network instead of loopback") {
    ServerOptions o = test_options();
    o.metrics_allow = NetworkList::parse("172.28.0.0/16", "METRICS_ALLOW");
    Server s(o);
    s.start();
    CHECK(get(s.port(), "/metrics").status == 403);
}
