// Responses whose body comes from a BodySource: framing (Content-Length, chunked, close-delimited),
// pieces written as they come, and a source that breaks off.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "tests/kit/kit_test_support.h"

using namespace aaiti::kit;
using namespace aaiti::kit::test;

namespace {

// A source fed by the test: each read() waits (on its own thread, so the I/O thread is free) for
// the next piece the test pushes. Counts the reads, so a test can tell the kit did not read ahead.
class FedSource final : public BodySource {
public:
    explicit FedSource(std::optional<std::uint64_t> length) : length_(length) {}
    ~FedSource() override {
        for (auto& t : readers_) t.join();
    }

    void push(std::string data, bool end = false, bool failed = false) {
        std::lock_guard lock(mutex_);
        queue_.push_back({std::move(data), end, failed});
        ready_.notify_all();
    }
    int reads() const {
        std::lock_guard lock(mutex_);
        return reads_;
    }

    void read(Next next) override {
        std::lock_guard lock(mutex_);
        ++reads_;
        readers_.emplace_back([this, next = std::move(next)] {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [&] { return !queue_.empty(); });
            current_ = std::move(queue_.front());
            queue_.pop_front();
            const Queued piece = current_;
            lock.unlock();
            next({current_.data, piece.end, piece.failed});
        });
    }
    std::optional<std::uint64_t> length() const override { return length_; }

private:
    struct Queued {
        std::string data;
        bool end = false;
        bool failed = false;
    };
    std::optional<std::uint64_t> length_;
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<Queued> queue_;
    Queued current_;  // the bytes handed out last (valid until the next read)
    int reads_ = 0;
    std::vector<std::thread> readers_;
};

struct StreamingServer {
    explicit StreamingServer(std::optional<std::uint64_t> length) : source(std::make_shared<FedSource>(length)), server(test_options()) {
        server.get("/stream", [this](const Request&) {
            Response r = Response::text(200, "ignored");
            r.stream = source;
            return r;
        });
        server.start();
    }
    ~StreamingServer() { server.stop(); }
    std::shared_ptr<FedSource> source;
    Server server;
};

}  // namespace

TEST_CASE("a streamed body of unknown length is sent chunked, each piece as it comes, and the connection stays open") {
    StreamingServer s(std::nullopt);
    RawConnection c(s.server.port());
    REQUIRE(c.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"));
    s.source->push("first piece;");
    // The head and the first piece arrive while the source still holds the rest back.
    REQUIRE(c.readable(5s));
    CHECK(s.source->reads() <= 2);
    s.source->push("");  // an empty piece is skipped, not an end
    s.source->push(std::string(100'000, 'x'));
    s.source->push("last", true);
    auto r = c.read_reply();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->header("Transfer-Encoding") == "chunked");
    CHECK_FALSE(r->has_header("Content-Length"));
    CHECK(r->body == "first piece;" + std::string(100'000, 'x') + "last");
    // Keep-alive: the same connection serves another request.
    REQUIRE(c.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto again = c.read_reply();
    REQUIRE(again);
    CHECK(again->status == 200);
}

TEST_CASE("a streamed body of known length is sent with Content-Length; HEAD does not read it") {
    StreamingServer s(std::uint64_t{11});
    RawConnection c(s.server.port());
    REQUIRE(c.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"));
    s.source->push("hello ");
    s.source->push("world", true);
    auto r = c.read_reply();
    REQUIRE(r);
    CHECK(r->header("Content-Length") == "11");
    CHECK_FALSE(r->has_header("Transfer-Encoding"));
    CHECK(r->body == "hello world");

    const int reads_before = s.source->reads();
    REQUIRE(c.send("HEAD /stream HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(c.readable(5s));
    CHECK(s.source->reads() == reads_before);
}

TEST_CASE("an HTTP/1.0 client gets a streamed body of unknown length ended by closing the connection") {
    StreamingServer s(std::nullopt);
    RawConnection c(s.server.port());
    REQUIRE(c.send("GET /stream HTTP/1.0\r\n\r\n"));
    s.source->push("abc");
    s.source->push("def", true);
    auto r = c.read_reply();
    REQUIRE(r);
    CHECK(r->version == "HTTP/1.0");
    CHECK_FALSE(r->has_header("Content-Length"));
    CHECK_FALSE(r->has_header("Transfer-Encoding"));
    CHECK(r->body == "abcdef");
    CHECK(c.wait_closed());
}

TEST_CASE("a source that breaks off, or ends short of its length, closes the connection mid-message") {
    SECTION("failed") {
        StreamingServer s(std::nullopt);
        RawConnection c(s.server.port());
        REQUIRE(c.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"));
        s.source->push("partial");
        s.source->push("", false, true);
        CHECK_FALSE(c.read_reply());  // no complete chunked message: no terminating chunk
        CHECK(c.wait_closed());
    }
    SECTION("short") {
        StreamingServer s(std::uint64_t{100});
        RawConnection c(s.server.port());
        REQUIRE(c.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"));
        s.source->push("only ten b", true);
        CHECK_FALSE(c.read_reply());
        CHECK(c.wait_closed());
    }
}
