// Every limit and timeout of the kit, with real sockets and hostile input.
#include <catch2/catch.hpp>

#include <memory>
#include <vector>

#include "tests/kit/kit_test_support.h"

using namespace aaiti::kit;
using namespace aaiti::kit::test;

namespace {
void add_routes(Server& s) {
    s.get("/hello", [](const Request&) { return Response::json(200, R"({"hello":"world"})"); });
    s.post("/echo", [](const Request& r) { return Response::text(200, std::to_string(r.body.size())); });
}
bool has_code(const Reply& r, std::string_view code) {
    return r.body.find("\"code\":\"" + std::string(code) + "\"") != std::string::npos;
}
}  // namespace

TEST_CASE("an oversized header section gets 431 and the connection is closed") {
    auto o = test_options();
    o.header_limit = 4096;
    Server s(o);
    add_routes(s);
    s.start();
    RawConnection c(s.port());
    REQUIRE(c.send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(8000, 'a') + "\r\n\r\n"));
    auto r = c.read_reply();
    REQUIRE(r);
    CHECK(r->status == 431);
    CHECK(has_code(*r, "headers_too_large"));
    CHECK(r->header("Connection") == "close");
    CHECK(c.wait_closed());
    CHECK(get(s.port(), "/hello").status == 200);
}

TEST_CASE("a Content-Length over the body limit gets 413 before the body is read") {
    auto o = test_options();
    o.body_limit = 1024;
    Server s(o);
    add_routes(s);
    s.start();
    RawConnection c(s.port());
    REQUIRE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n"));
    auto r = c.read_reply();
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(has_code(*r, "payload_too_large"));
    CHECK(c.wait_closed());
    CHECK(request(s.port(), "POST", "/echo", {}, std::string(1024, 'x')).body == "1024");
}

TEST_CASE("a chunked body growing over the body limit gets 413 while it streams") {
    auto o = test_options();
    o.body_limit = 1024;
    Server s(o);
    add_routes(s);
    s.start();
    RawConnection c(s.port());
    REQUIRE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
    std::string chunk = "200\r\n" + std::string(512, 'y') + "\r\n";
    // Never sends the last chunk: the server must answer on its own once the limit is crossed.
    for (int i = 0; i < 3; ++i) c.send(chunk);
    auto r = c.read_reply();
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(c.wait_closed());
}

TEST_CASE("a chunked body within the limit is reassembled for the handler") {
    Server s(test_options());
    add_routes(s);
    s.start();
    RawConnection c(s.port());
    REQUIRE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
    auto r = c.read_reply();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == "11");
}

TEST_CASE("garbage bytes get 400 and the connection is closed") {
    Server s(test_options());
    add_routes(s);
    s.start();
    for (std::string garbage : {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 16),
                                std::string("GET /hello HTTP/9.9\r\n\r\n"), std::string("GET /hello HTTP/1.1\r\nBad Header\r\n\r\n"),
                                std::string("POST /echo HTTP/1.1\r\nContent-Length: abc\r\n\r\n")}) {
        RawConnection c(s.port());
        REQUIRE(c.send(garbage));
        auto r = c.read_reply();
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK(has_code(*r, "bad_request"));
        CHECK(c.wait_closed());
    }
    CHECK(get(s.port(), "/hello").status == 200);
}

TEST_CASE("a truncated request is dropped without an answer and the server serves the next client") {
    Server s(test_options());
    add_routes(s);
    s.start();
    {
        RawConnection c(s.port());
        REQUIRE(c.send("GET /hello HTT"));
        c.shutdown_write();
        CHECK(c.wait_closed());
    }
    {
        RawConnection c(s.port());
        REQUIRE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten b"));
    }  // closed (reset) mid-body
    CHECK(get(s.port(), "/hello").status == 200);
}

TEST_CASE("a client that stops sending mid-request gets 408 and is closed after the read timeout") {
    auto o = test_options();
    o.read_timeout = std::chrono::milliseconds(300);
    Server s(o);
    add_routes(s);
    s.start();
    RawConnection c(s.port());
    REQUIRE(c.send("GET /hello HTTP/1.1\r\nHost: x\r\n"));
    auto r = c.read_reply();
    REQUIRE(r);
    CHECK(r->status == 408);
    CHECK(has_code(*r, "request_timeout"));
    CHECK(c.wait_closed());
}

TEST_CASE("a client that trickles a header byte by byte still gets 408 at the read timeout") {
    auto o = test_options();
    o.read_timeout = std::chrono::milliseconds(300);
    Server s(o);
    add_routes(s);
    s.start();
    RawConnection c(s.port());
    std::optional<Reply> r;
    std::string header = "GET /hello HTTP/1.1\r\nX-Slow: " + std::string(5000, 'z');
    for (char ch : header) {  // one byte every 10 ms until the server answers
        if (c.readable(std::chrono::milliseconds(10)) || !c.send(std::string(1, ch))) break;
    }
    r = c.read_reply();
    REQUIRE(r);
    CHECK(r->status == 408);
}

TEST_CASE("an idle keep-alive connection is closed after the idle timeout without a response") {
    auto o = test_options();
    o.idle_timeout = std::chrono::milliseconds(300);
    Server s(o);
    add_routes(s);
    s.start();
    RawConnection c(s.port());
    REQUIRE(c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(c.read_reply());
    CHECK(c.wait_closed());
    CHECK_FALSE(c.read_reply(std::chrono::milliseconds(100)));
}

TEST_CASE("a connection that never sends a byte is closed at the read timeout") {
    auto o = test_options();
    o.read_timeout = std::chrono::milliseconds(300);
    Server s(o);
    add_routes(s);
    s.start();
    RawConnection c(s.port());
    CHECK(c.wait_closed());
}

TEST_CASE("connections beyond max_connections get 503 and are closed; capacity frees when one closes") {
    auto o = test_options();
    o.max_connections = 2;
    Server s(o);
    add_routes(s);
    s.start();
    std::vector<std::unique_ptr<RawConnection>> held;
    for (int i = 0; i < 2; ++i) {
        held.push_back(std::make_unique<RawConnection>(s.port()));
        REQUIRE(held.back()->send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
        REQUIRE(held.back()->read_reply());  // the connection is open and counted
    }
    {
        RawConnection extra(s.port());
        extra.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
        auto r = extra.read_reply();
        REQUIRE(r);
        CHECK(r->status == 503);
        CHECK(r->header("Retry-After") == "1");
        CHECK(r->header("Connection") == "close");
        CHECK(has_code(*r, "overloaded"));
        CHECK(extra.wait_closed());
    }
    held.pop_back();
    CHECK(eventually([&] {
        RawConnection again(s.port());
        again.send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        auto r = again.read_reply();
        return r && r->status == 200;
    }));
}
