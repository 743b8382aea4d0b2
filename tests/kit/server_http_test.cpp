// The request path through real sockets: routing, keep-alive, ids, tracing, kit headers.
#include <catch2/catch.hpp>

#include "tests/kit/kit_test_support.h"

using namespace aaiti::kit;
using namespace aaiti::kit::test;

namespace {
void add_routes(Server& s) {
    s.get("/hello", [](const Request&) { return Response::json(200, R"({"hello":"world"})"); });
    s.get("/api/users/{id}", [](const Request& r) { return Response::text(200, "user " + std::string(r.param("id"))); });
    s.post("/api/users", [](const Request& r) { return Response::text(201, "created " + r.body); });
    s.get("/context", [](const Request& r) {
        return Response::text(200, r.request_id + "|" + r.trace_id + "|" + r.parent_span_id + "|" + r.span_id + "|" +
                                       r.route + "|" + r.remote_address + "|" + r.query);
    });
    s.get("/header", [](const Request& r) { return Response::text(200, std::string(r.header("x-custom"))); });
}
}  // namespace

TEST_CASE("a route with a path parameter receives the decoded value") {
    Server s(test_options());
    add_routes(s);
    s.start();
    auto r = get(s.port(), "/api/users/42%21");
    CHECK(r.status == 200);
    CHECK(r.body == "user 42!");
}

TEST_CASE("an absolute-form request target is routed on its path and keeps its query") {
    Server s(test_options());
    add_routes(s);
    s.start();
    RawConnection c(s.port());
    REQUIRE(c.send("GET http://127.0.0.1/api/users/7 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    auto user = c.read_reply();
    REQUIRE(user);
    CHECK(user->status == 200);
    CHECK(user->body == "user 7");
    REQUIRE(c.send("GET http://127.0.0.1/context?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    auto context = c.read_reply();
    REQUIRE(context);
    CHECK_THAT(context->body, Catch::Contains("|/context|") && Catch::EndsWith("|x=1"));
}

TEST_CASE("an unknown path gets a 404 JSON error carrying the request id") {
    Server s(test_options());
    add_routes(s);
    s.start();
    auto r = get(s.port(), "/nope", {{"X-Request-Id", "req-404"}});
    CHECK(r.status == 404);
    CHECK(r.header("Content-Type") == "application/json");
    CHECK(r.body == R"({"error":{"code":"not_found","message":"no route for GET /nope","request_id":"req-404"}})");
}

TEST_CASE("a known path with the wrong method gets 405 with an Allow header") {
    Server s(test_options());
    add_routes(s);
    s.start();
    auto r = request(s.port(), "DELETE", "/api/users");
    CHECK(r.status == 405);
    CHECK(r.header("Allow") == "POST");
    CHECK(r.body.find(R"("code":"method_not_allowed")") != std::string::npos);
    auto created = request(s.port(), "POST", "/api/users", {}, "ann");
    CHECK(created.status == 201);
    CHECK(created.body == "created ann");
}

TEST_CASE("two requests are served on one kept-alive connection") {
    Server s(test_options());
    add_routes(s);
    s.start();
    RawConnection c(s.port());
    REQUIRE(c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto first = c.read_reply();
    REQUIRE(first);
    CHECK(first->status == 200);
    CHECK_FALSE(first->has_header("Connection"));
    REQUIRE(c.send("GET /api/users/7 HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto second = c.read_reply();
    REQUIRE(second);
    CHECK(second->body == "user 7");
}

TEST_CASE("pipelined requests are answered in order") {
    Server s(test_options());
    add_routes(s);
    s.start();
    RawConnection c(s.port());
    REQUIRE(c.send("GET /api/users/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /api/users/2 HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto a = c.read_reply();
    auto b = c.read_reply();
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->body == "user 1");
    CHECK(b->body == "user 2");
}

TEST_CASE("an HTTP/1.0 request without keep-alive is answered and the connection closed") {
    Server s(test_options());
    add_routes(s);
    s.start();
    RawConnection c(s.port());
    REQUIRE(c.send("GET /hello HTTP/1.0\r\n\r\n"));
    auto r = c.read_reply();
    REQUIRE(r);
    CHECK(r->version == "HTTP/1.0");
    CHECK(r->status == 200);
    CHECK(c.wait_closed());
}

TEST_CASE("an HTTP/1.0 request asking for keep-alive keeps the connection") {
    Server s(test_options());
    add_routes(s);
    s.start();
    RawConnection c(s.port());
    REQUIRE(c.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto r = c.read_reply();
    REQUIRE(r);
    CHECK(r->header("Connection") == "keep-alive");
    REQUIRE(c.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    CHECK(c.read_reply());
}

TEST_CASE("a sane incoming X-Request-Id is kept and echoed") {
    Server s(test_options());
    add_routes(s);
    s.start();
    auto r = get(s.port(), "/context", {{"X-Request-Id", "abc-123_x.y"}});
    CHECK(r.header("X-Request-Id") == "abc-123_x.y");
    CHECK(r.body.rfind("abc-123_x.y|", 0) == 0);
}

TEST_CASE("a missing or unsafe X-Request-Id is replaced by a generated one") {
    Server s(test_options());
    add_routes(s);
    s.start();
    for (std::string bad : {std::string(), std::string("has space"), std::string(129, 'a'), std::string("<script>")}) {
        std::vector<std::pair<std::string, std::string>> headers;
        if (!bad.empty()) headers.emplace_back("X-Request-Id", bad);
        auto r = get(s.port(), "/context", headers);
        std::string id = r.header("X-Request-Id");
        CHECK(id.size() == 36);
        CHECK(id != bad);
        CHECK(r.body.rfind(id + "|", 0) == 0);
    }
}

TEST_CASE("a valid traceparent continues the caller's trace with a new span") {
    Server s(test_options());
    add_routes(s);
    s.start();
    const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736", parent = "00f067aa0ba902b7";
    auto r = get(s.port(), "/context", {{"traceparent", "00-" + trace + "-" + parent + "-01"}});
    std::string tp = r.header("traceparent");
    REQUIRE(tp.size() == 55);
    CHECK(tp.substr(0, 36) == "00-" + trace + "-");
    std::string span = tp.substr(36, 16);
    CHECK(span != parent);
    CHECK(tp.substr(52) == "-01");
    CHECK(r.body.find("|" + trace + "|" + parent + "|" + span + "|") != std::string::npos);
}

TEST_CASE("a missing or invalid traceparent starts a new trace") {
    Server s(test_options());
    add_routes(s);
    s.start();
    auto fresh = get(s.port(), "/context");
    auto invalid = get(s.port(), "/context", {{"traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"}});
    for (const auto& r : {fresh, invalid}) {
        std::string tp = r.header("traceparent");
        REQUIRE(tp.size() == 55);
        CHECK(tp.substr(3, 32) != std::string(32, '0'));
        CHECK(r.body.find("||") != std::string::npos);  // no parent span
    }
    CHECK(fresh.header("traceparent").substr(3, 32) != invalid.header("traceparent").substr(3, 32));
}

TEST_CASE("responses carry the security headers and no-store caching") {
    Server s(test_options());
    add_routes(s);
    s.start();
    for (const char* path : {"/hello", "/nope"}) {
        auto r = get(s.port(), path);
        CHECK(r.header("X-Content-Type-Options") == "nosniff");
        CHECK(r.header("X-Frame-Options") == "DENY");
        CHECK(r.header("Referrer-Policy") == "no-referrer");
        CHECK(r.header("Cache-Control") == "no-store");
        CHECK_FALSE(r.header("Date").empty());
    }
}

TEST_CASE("a handler's own headers are sent and its Cache-Control wins, and header splitting is refused") {
    Server s(test_options());
    s.get("/cached", [](const Request&) {
        Response r = Response::text(200, "x");
        r.headers.add("Cache-Control", "max-age=60");
        r.headers.add("X-Evil", "a\r\nSet-Cookie: pwned=1");
        r.headers.add("X-Fine", "yes");
        return r;
    });
    s.start();
    auto r = get(s.port(), "/cached");
    CHECK(r.header("Cache-Control") == "max-age=60");
    CHECK(r.header("X-Fine") == "yes");
    CHECK_FALSE(r.has_header("X-Evil"));
    CHECK_FALSE(r.has_header("Set-Cookie"));
}

TEST_CASE("HEAD is answered by the GET handler without a body") {
    Server s(test_options());
    add_routes(s);
    s.start();
    RawConnection c(s.port());
    REQUIRE(c.send("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /api/users/3 HTTP/1.1\r\nHost: x\r\n\r\n"));
    // The raw client would read a body of Content-Length bytes; read the head by hand instead.
    auto head = c.read_reply(std::chrono::milliseconds(300));
    // The HEAD reply announces 17 bytes but sends none, so the "body" the client reads is the start
    // of the next response: proving no body bytes followed the HEAD head.
    REQUIRE(head);
    CHECK(head->status == 200);
    CHECK(head->header("Content-Length") == "17");
    CHECK(head->body.rfind("HTTP/1.1 200", 0) == 0);
}

TEST_CASE("headers are looked up case-insensitively and the query string is kept") {
    Server s(test_options());
    add_routes(s);
    s.start();
    CHECK(get(s.port(), "/header", {{"X-CUSTOM", "v1"}}).body == "v1");
    auto r = get(s.port(), "/context?a=1&b=2");
    CHECK(r.body.find("|/context|127.0.0.1:") != std::string::npos);
    CHECK(r.body.substr(r.body.size() - 7) == "a=1&b=2");
}

TEST_CASE("a request with Expect: 100-continue gets the interim response and then the answer") {
    Server s(test_options());
    add_routes(s);
    s.start();
    RawConnection c(s.port());
    REQUIRE(c.send("POST /api/users HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"));
    // The client waits for "100 Continue" before sending the body.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(c.send("bob"));
    auto r = c.read_reply();  // read_reply skips the 100 interim response
    REQUIRE(r);
    CHECK(r->status == 201);
    CHECK(r->body == "created bob");
}

TEST_CASE("a chunked body's trailer fields are not request headers, and the next request keeps none of the last one's") {
    Server s(test_options());
    s.post("/fields", [](const Request& r) {
        return Response::text(200, r.body + "|" + std::string(r.header("x-trailer")) + "|" + std::string(r.header("x-first")) +
                                       "|" + std::to_string(r.headers.size()));
    });
    s.start();
    RawConnection c(s.port());
    REQUIRE(c.send("POST /fields HTTP/1.1\r\nHost: x\r\nX-First: 1\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "5\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n"));
    auto first = c.read_reply();
    REQUIRE(first);
    CHECK(first->body == "hello||1|3");
    REQUIRE(c.send("POST /fields HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"));
    auto second = c.read_reply();
    REQUIRE(second);
    CHECK(second->body == "hi|||2");
}
