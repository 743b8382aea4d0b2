// Unit tests of the pieces of the kit that need no socket: router, ids, trace context, JSON errors.
#include <catch2/catch.hpp>

#include "common/error.h"
#include "services/kit/readiness.h"
#include "services/kit/request.h"
#include "services/kit/response.h"
#include "services/kit/router.h"
#include "services/kit/server_options.h"
#include "services/kit/trace_context.h"

using namespace aaiti::kit;

namespace {
Endpoint tagged(std::string tag) {
    return {Dispatch::inline_io, [tag](const Request&) { return Response::text(200, tag); }, {}, RequestBody::buffered};
}
std::string run(const Router::Match& m) { return m.endpoint->handler(Request{}).body; }
}  // namespace

TEST_CASE("router extracts path parameters and decodes them") {
    Router r;
    r.add("GET", "/api/users/{id}", tagged("user"));
    r.add("GET", "/api/users/{id}/posts/{post}", tagged("post"));
    auto m = r.match("GET", "/api/users/a%20b/posts/7");
    REQUIRE(m.outcome == Router::Outcome::found);
    CHECK(run(m) == "post");
    CHECK(*m.route == "/api/users/{id}/posts/{post}");
    REQUIRE(m.params.size() == 2);
    CHECK(m.params[0].name == "id");
    CHECK(m.params[0].value == "a b");
    CHECK(m.params[1].name == "post");
    CHECK(m.params[1].value == "7");
}

TEST_CASE("router prefers a literal segment over a parameter and backtracks") {
    Router r;
    r.add("GET", "/users/me", tagged("me"));
    r.add("GET", "/users/{id}", tagged("id"));
    r.add("GET", "/users/me/{x}/end", tagged("deep-literal"));
    r.add("GET", "/users/{id}/{x}/tail", tagged("deep-param"));
    CHECK(run(r.match("GET", "/users/me")) == "me");
    CHECK(run(r.match("GET", "/users/42")) == "id");
    CHECK(run(r.match("GET", "/users/me/1/tail")) == "deep-param");
}

TEST_CASE("router answers not_found for unknown paths and empty parameter segments") {
    Router r;
    r.add("GET", "/users/{id}", tagged("id"));
    CHECK(r.match("GET", "/users").outcome == Router::Outcome::not_found);
    CHECK(r.match("GET", "/users/").outcome == Router::Outcome::not_found);
    CHECK(r.match("GET", "/users/1/2").outcome == Router::Outcome::not_found);
    CHECK(r.match("GET", "*").outcome == Router::Outcome::not_found);
    auto m = r.match("GET", "/nope");
    CHECK(m.route_id == Router::k_unmatched);
}

TEST_CASE("router answers method_not_allowed with a sorted Allow list including HEAD for GET") {
    Router r;
    r.add("POST", "/items", tagged("post"));
    r.add("GET", "/items", tagged("get"));
    auto m = r.match("DELETE", "/items");
    REQUIRE(m.outcome == Router::Outcome::method_not_allowed);
    CHECK(m.allow == "GET, HEAD, POST");
    CHECK(*m.route == "/items");
    auto head = r.match("HEAD", "/items");
    REQUIRE(head.outcome == Router::Outcome::found);
    CHECK(run(head) == "get");
}

TEST_CASE("router gives each template one dense id shared by its methods") {
    Router r;
    r.add("GET", "/a", tagged("a"));
    r.add("POST", "/a", tagged("a2"));
    r.add("GET", "/b/{x}", tagged("b"));
    CHECK(r.route_count() == 2);
    CHECK(r.match("GET", "/a").route_id == r.match("POST", "/a").route_id);
    CHECK(r.match("GET", "/b/1").route_id != r.match("GET", "/a").route_id);
}

TEST_CASE("router rejects malformed templates and duplicate routes") {
    Router r;
    CHECK_THROWS_AS(r.add("GET", "nope", tagged("x")), std::invalid_argument);
    CHECK_THROWS_AS(r.add("GET", "/a/{}", tagged("x")), std::invalid_argument);
    CHECK_THROWS_AS(r.add("GET", "/a/x{y}", tagged("x")), std::invalid_argument);
    CHECK_THROWS_AS(r.add("GET", "/a/{y}/{y}", tagged("x")), std::invalid_argument);
    r.add("GET", "/a", tagged("x"));
    CHECK_THROWS_AS(r.add("GET", "/a", tagged("x")), std::invalid_argument);
}

TEST_CASE("request ids are accepted only when short and made of safe characters") {
    CHECK(is_valid_request_id("abc-DEF_1.2"));
    CHECK(is_valid_request_id(std::string(128, 'a')));
    CHECK_FALSE(is_valid_request_id(std::string(129, 'a')));
    CHECK_FALSE(is_valid_request_id(""));
    CHECK_FALSE(is_valid_request_id("a b"));
    CHECK_FALSE(is_valid_request_id("a\"b"));
    std::string id = generate_request_id();
    CHECK(id.size() == 36);
    CHECK(id[14] == '4');
    CHECK(is_valid_request_id(id));
    CHECK(generate_request_id() != id);
}

TEST_CASE("traceparent parsing follows W3C trace context") {
    auto tp = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    REQUIRE(tp);
    CHECK(tp->trace_id == "4bf92f3577b34da6a3ce929d0e0e4736");
    CHECK(tp->parent_id == "00f067aa0ba902b7");
    CHECK(tp->flags == "01");
    CHECK(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future"));
    CHECK_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x"));
    CHECK_FALSE(parse_traceparent("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
    CHECK_FALSE(parse_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
    CHECK_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));
    CHECK_FALSE(parse_traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
    CHECK_FALSE(parse_traceparent("garbage"));
    CHECK(generate_trace_id().size() == 32);
    CHECK(generate_span_id().size() == 16);
    CHECK(format_traceparent("a", "b", "01") == "00-a-b-01");
}

TEST_CASE("error bodies are JSON with code, message and request id, escaped") {
    auto r = error_response(404, "not_found", "no \"route\"\n\x01", "rid");
    CHECK(r.status == 404);
    CHECK(r.content_type == "application/json");
    CHECK(r.body == R"({"error":{"code":"not_found","message":"no \"route\"\n\u0001","request_id":"rid"}})");
    CHECK(json_quote("caf\xc3\xa9") == "\"caf\xc3\xa9\"");
    CHECK(json_quote("bad\xff") == "\"bad\\ufffd\"");
}

TEST_CASE("query parameters and percent-encoding are decoded") {
    Request req;
    req.query = "a=1&name=J%C3%B6rg+M&flag&a=2";
    CHECK(req.query_param("a") == "1");
    CHECK(req.query_param("name") == "J\xc3\xb6rg M");
    CHECK(req.query_param("flag") == "");
    CHECK_FALSE(req.query_param("missing"));
    CHECK(percent_decode("%2Fx%zz%4") == "/x%zz%4");
}

TEST_CASE("listen addresses parse as host:port and reject junk with a ConfigError") {
    CHECK(parse_listen_address("127.0.0.1:3000").port == 3000);
    CHECK(parse_listen_address("127.0.0.1:3000").host == "127.0.0.1");
    CHECK(parse_listen_address("[::1]:8080").host == "::1");
    CHECK(parse_listen_address(":80").host == "0.0.0.0");
    CHECK(parse_listen_address("0").port == 0);
    CHECK_THROWS_AS(parse_listen_address("host:99999"), aaiti::ConfigError);
    CHECK_THROWS_AS(parse_listen_address("::1:80"), aaiti::ConfigError);
    CHECK_THROWS_AS(parse_listen_address("a:b"), aaiti::ConfigError);
    ServerOptions bad;
    bad.max_connections = 0;
    CHECK_THROWS_AS(validate(bad), aaiti::ConfigError);
}

TEST_CASE("readiness report names each failing check and counts exceptions as failures") {
    ReadinessChecks checks;
    checks.add("db", [] { return CheckResult::healthy(); });
    checks.add("redis", [] { return CheckResult::failed("connection refused"); });
    checks.add("queue", []() -> CheckResult { throw std::runtime_error("boom"); });
    auto report = checks.run();
    CHECK_FALSE(report.ok);
    CHECK(report.body ==
          R"({"status":"unavailable","checks":{"db":{"status":"ok"},"redis":{"status":"error","detail":"connection refused"},"queue":{"status":"error","detail":"boom"}}})");
    ReadinessChecks none;
    CHECK(none.run().ok);
    CHECK_FALSE(none.run(true).ok);
}
