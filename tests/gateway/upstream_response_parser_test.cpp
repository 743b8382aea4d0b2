// The gateway's own upstream response parser: fields filtered as they are parsed, the body buffered
// or streamed into a caller's window. Fed raw bytes, no sockets.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include <boost/beast/http/error.hpp>

#include "services/gateway/upstream_response_parser.h"

using aaiti::gateway::UpstreamResponseParser;
namespace http = boost::beast::http;

namespace {

// Feeds `bytes` whole; returns how many the parser took.
std::size_t feed(UpstreamResponseParser& p, std::string_view bytes, boost::system::error_code& ec) {
    return p.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
}

}  // namespace

TEST_CASE("upstream response parser: status, Content-Type and end-to-end fields only, body buffered") {
    UpstreamResponseParser p;
    p.eager(true);
    const std::string raw =
        "HTTP/1.1 201 Created\r\n"
        "Content-Type: text/plain\r\n"
        "Content-Length: 5\r\n"
        "Connection: X-Internal\r\n"
        "Keep-Alive: timeout=5\r\n"
        "X-Internal: secret\r\n"
        "X-Request-Id: upstream-id\r\n"
        "traceparent: 00-aa-bb-01\r\n"
        "Date: Thu, 01 Jan 2026 00:00:00 GMT\r\n"
        "Proxy-Authenticate: Basic\r\n"
        "Cache-Control: max-age=60\r\n"
        "Set-Cookie: a=1\r\n"
        "Set-Cookie: b=2\r\n"
        "\r\n"
        "hello";
    boost::system::error_code ec;
    CHECK(feed(p, raw, ec) == raw.size());
    REQUIRE_FALSE(ec);
    REQUIRE(p.is_done());
    const auto& res = p.response();
    CHECK(res.status == 201);
    CHECK(res.content_type == "text/plain");
    CHECK(res.body == "hello");
    std::string kept;
    for (const auto& h : res.headers) kept += h.name + "=" + h.value + ";";
    CHECK(kept == "Cache-Control=max-age=60;Set-Cookie=a=1;Set-Cookie=b=2;");
}

TEST_CASE("upstream response parser: no Content-Type from the upstream means none passed on") {
    UpstreamResponseParser p;
    boost::system::error_code ec;
    feed(p, "HTTP/1.1 204 No Content\r\n\r\n", ec);
    REQUIRE_FALSE(ec);
    CHECK(p.is_done());
    CHECK(p.response().content_type.empty());
}

TEST_CASE("upstream response parser: a streamed chunked body fills the caller's window, then asks for another") {
    UpstreamResponseParser p;
    boost::system::error_code ec;
    const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    CHECK(feed(p, head, ec) == head.size());
    REQUIRE(p.is_header_done());
    REQUIRE_FALSE(p.is_done());

    std::string body = "a\r\n0123456789\r\n0\r\n\r\n";
    char window[4];
    std::string out;
    while (!p.is_done()) {
        p.stream_into(window, sizeof window);
        ec = {};
        const std::size_t used = feed(p, body, ec);
        body.erase(0, used);
        if (ec == http::error::need_buffer) ec = {};
        REQUIRE_FALSE(ec);
        out.append(window, p.streamed());
    }
    CHECK(out == "0123456789");
    CHECK(body.empty());
    CHECK(p.response().body.empty());  // nothing went to the buffered body
}
