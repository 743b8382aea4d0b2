// Request bodies on a RequestBody::streamed route: the handler starts at the end of the header and
// reads the body as the client sends it; limits, timeouts and 100-continue still hold.
#include <catch2/catch.hpp>

#include <thread>

#include "tests/kit/kit_test_support.h"

using namespace aaiti::kit;
using namespace aaiti::kit::test;

namespace {

// Reads a request's streamed body to its end, then answers "<bytes> <pieces> <length or ->".
struct BodyCollector : std::enable_shared_from_this<BodyCollector> {
    std::shared_ptr<BodySource> source;
    Responder done;
    std::string received;
    int pieces = 0;

    void read_next() {
        source->read([self = shared_from_this()](BodySource::Piece piece) {
            if (piece.failed) {
                self->done(Response::text(502, "the body broke off"));
                return;
            }
            self->received.append(piece.data);
            ++self->pieces;
            if (!piece.end) {
                self->read_next();
                return;
            }
            const auto length = self->source->length();
            self->done(Response::text(200, std::to_string(self->received.size()) + " " + std::to_string(self->pieces) + " " +
                                               (length ? std::to_string(*length) : "-") + " " + self->received.substr(0, 8)));
        });
    }
};

struct UploadServer {
    explicit UploadServer(ServerOptions o = test_options()) : server(o) {
        server.fallback_async(
            "upload",
            [this](const Request& r, Responder done) {
                saw_buffered_body = !r.body.empty();
                if (r.path == "/refuse") {  // answers without reading the body (an edge 401)
                    done(Response::text(401, "no"));
                    return;
                }
                if (!r.body_stream) {
                    done(Response::text(200, "no body"));
                    return;
                }
                auto collector = std::make_shared<BodyCollector>();
                collector->source = r.body_stream;
                collector->done = std::move(done);
                collector->read_next();
            },
            RequestBody::streamed);
        server.start();
    }
    ~UploadServer() { server.stop(); }
    Server server;
    bool saw_buffered_body = false;
};

}  // namespace

TEST_CASE("a streamed route reads a Content-Length body piece by piece, and the connection is kept alive") {
    UploadServer s;
    RawConnection c(s.server.port());
    const std::string body = "abcdefgh" + std::string(200'000, 'b');
    REQUIRE(c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body));
    auto r = c.read_reply();
    REQUIRE(r);
    CHECK(r->status == 200);
    const auto words = r->body;
    CHECK(words.rfind(std::to_string(body.size()) + " ", 0) == 0);
    CHECK(words.find(" " + std::to_string(body.size()) + " abcdefgh") != std::string::npos);  // length() known
    CHECK_FALSE(s.saw_buffered_body);
    REQUIRE(c.send("GET /nobody HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto again = c.read_reply();
    REQUIRE(again);
    CHECK(again->body == "no body");
}

TEST_CASE("a streamed route reads a chunked body as the client sends it") {
    UploadServer s;
    RawConnection c(s.server.port());
    REQUIRE(c.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8\r\nabcdefgh\r\n"));
    // The handler already runs and waits for the rest: nothing has been answered yet.
    CHECK_FALSE(c.readable(200ms));
    REQUIRE(c.send("3\r\nxyz\r\n0\r\n\r\n"));
    auto r = c.read_reply();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body.rfind("11 ", 0) == 0);
    CHECK(r->body.find(" - abcdefgh") != std::string::npos);  // no length known
}

TEST_CASE("100-continue on a streamed route is sent when the handler reads, never when it answers without reading") {
    UploadServer s;
    {
        RawConnection c(s.server.port());
        REQUIRE(c.send("POST /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"));
        REQUIRE(c.readable(5s));
        REQUIRE(c.send("bob"));
        auto r = c.read_reply();  // skips the interim 100
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(r->body.find("bob") != std::string::npos);
    }
    {
        RawConnection c(s.server.port());
        REQUIRE(c.send("POST /refuse HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1000000\r\n\r\n"));
        auto r = c.read_reply();
        REQUIRE(r);
        CHECK(r->status == 401);
        CHECK(r->header("Connection") == "close");  // the unread body cannot be skipped: the connection ends
        CHECK(c.wait_closed());
    }
}

TEST_CASE("a streamed body over the limit gets 413 and one too slow 408, whatever the handler answered") {
    ServerOptions o = test_options();
    o.body_limit = 1000;
    o.read_timeout = 300ms;
    UploadServer s(o);
    {
        RawConnection c(s.server.port());
        REQUIRE(c.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n" + std::string(2000, 'x') +
                       "\r\n0\r\n\r\n"));
        auto r = c.read_reply();
        REQUIRE(r);
        CHECK(r->status == 413);
        CHECK(r->body.find("payload_too_large") != std::string::npos);
    }
    {
        RawConnection c(s.server.port());
        REQUIRE(c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part"));
        auto r = c.read_reply();
        REQUIRE(r);
        CHECK(r->status == 408);
        CHECK(c.wait_closed());
    }
}
