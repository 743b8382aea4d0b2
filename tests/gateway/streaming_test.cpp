// Upstream response bodies beyond the buffered limit, or of unknown length, are streamed through:
// the client gets bytes before the upstream has sent them all, memory stays bounded, a break is
// passed on as a break, and the upstream connection goes back to its pool after a whole body.
#include <catch2/catch.hpp>

#include <sys/socket.h>

#include <fstream>
#include <future>
#include <thread>

#include "tests/gateway/gateway_test_support.h"
#include "tests/gateway/scripted_upstream.h"

using namespace aaiti::gateway;
using namespace aaiti::gateway::test;

namespace {

Gateway make_gateway(const ScriptedUpstream& up) { return Gateway(scripted_gateway_options("/api/files", up)); }

// Reads from `c` until `predicate(received)` holds or nothing arrives for 10 s.
bool receive_until(RawConnection& c, std::string& received, const std::function<bool(const std::string&)>& predicate) {
    char buf[65536];
    while (!predicate(received)) {
        if (!c.readable(10s)) return false;
        const ssize_t n = ::recv(c.fd(), buf, sizeof buf, 0);
        if (n <= 0) return false;
        received.append(buf, static_cast<std::size_t>(n));
    }
    return true;
}

std::size_t peak_rss_kib() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stoul(line.substr(6));
    return 0;
}

}  // namespace

TEST_CASE("a long upstream body reaches the client while the upstream is still sending it") {
    std::promise<void> release;
    auto released = release.get_future().share();
    const std::string rest(1024 * 1024, 'r');
    ScriptedUpstream up([&](ScriptedUpstream::Exchange& x) {
        const std::string first = "first bytes;";
        send_all(x.fd, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                         std::to_string(first.size() + rest.size()) + "\r\n\r\n" + first);
        released.wait_for(20s);  // the rest only once the client has seen the first bytes
        send_all(x.fd, rest);
        return true;
    });
    Gateway gw = make_gateway(up);
    gw.start();
    RawConnection c(gw.port());
    REQUIRE(c.send("GET /api/files/big HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::string received;
    REQUIRE(receive_until(c, received, [](const std::string& r) { return r.find("first bytes;") != std::string::npos; }));
    CHECK(received.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(received.find("Content-Length: " + std::to_string(12 + rest.size())) != std::string::npos);
    release.set_value();
    const auto body_start = received.find("\r\n\r\n") + 4;
    REQUIRE(receive_until(c, received, [&](const std::string& r) { return r.size() - body_start >= 12 + rest.size(); }));
    CHECK(received.substr(body_start) == "first bytes;" + rest);
}

TEST_CASE("a body of unknown length is passed on chunked, and the upstream connection is reused after it") {
    ScriptedUpstream up([](ScriptedUpstream::Exchange& x) {
        send_all(x.fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int i = 0; i < 50; ++i) send_all(x.fd, "1000\r\n" + std::string(4096, static_cast<char>('a' + i % 26)) + "\r\n");
        send_all(x.fd, "0\r\n\r\n");
        return true;
    });
    Gateway gw = make_gateway(up);
    gw.start();
    RawConnection c(gw.port());
    for (int round = 0; round < 3; ++round) {
        REQUIRE(c.send("GET /api/files/log HTTP/1.1\r\nHost: x\r\n\r\n"));
        auto r = c.read_reply(10s);
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(r->header("Transfer-Encoding") == "chunked");
        REQUIRE(r->body.size() == 50 * 4096);
        CHECK(r->body.substr(49 * 4096, 3) == "xxx");
    }
    CHECK(up.connections() == 1);  // one kept-alive upstream connection served all three
}

TEST_CASE("a body far beyond memory limits streams through with bounded memory") {
    constexpr std::size_t k_total = 128u * 1024 * 1024;  // twice what the gateway used to buffer at most
    ScriptedUpstream up([](ScriptedUpstream::Exchange& x) {
        send_all(x.fd, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(k_total) + "\r\n\r\n");
        const std::string block(1024 * 1024, 'z');
        for (std::size_t sent = 0; sent < k_total; sent += block.size())
            if (!send_all(x.fd, block)) return false;
        return true;
    });
    Gateway gw = make_gateway(up);
    gw.start();
    const std::size_t rss_before = peak_rss_kib();
    RawConnection c(gw.port());
    REQUIRE(c.send("GET /api/files/huge HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::string head;
    REQUIRE(receive_until(c, head, [](const std::string& r) { return r.find("\r\n\r\n") != std::string::npos; }));
    std::size_t body = head.size() - (head.find("\r\n\r\n") + 4);
    char buf[1 << 16];
    while (body < k_total && c.readable(10s)) {
        const ssize_t n = ::recv(c.fd(), buf, sizeof buf, 0);
        if (n <= 0) break;
        body += static_cast<std::size_t>(n);
    }
    REQUIRE(body == k_total);
    // The gateway, the upstream and this client share the process: none of them holds the body.
    CHECK(peak_rss_kib() - rss_before < 64 * 1024);
}

TEST_CASE("an upstream that breaks off mid-body cuts the client's connection; the gateway keeps serving") {
    ScriptedUpstream up([](ScriptedUpstream::Exchange& x) {
        if (x.head.find("/whole") != std::string::npos) {
            send_all(x.fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            return true;
        }
        send_all(x.fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" + std::string(300'000, 'p'));
        return false;  // closes 700 000 bytes short
    });
    Gateway gw = make_gateway(up);
    gw.start();
    RawConnection c(gw.port());
    REQUIRE(c.send("GET /api/files/cut HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK_FALSE(c.read_reply(10s));  // never a complete message
    CHECK(c.wait_closed());
    const auto metrics = http(gw.port(), "GET", "/metrics").body;
    CHECK(metric_value(metrics, "gateway_upstream_errors_total{upstream=\"" + up.url() + "\",kind=\"broken\"}") == 1);
    auto ok = http(gw.port(), "GET", "/api/files/whole");
    CHECK(ok.status == 200);
    CHECK(ok.body == "ok");
}

TEST_CASE("an upstream that stalls mid-body is cut off after the response timeout") {
    std::promise<void> release;
    auto released = release.get_future().share();
    ScriptedUpstream up([released](ScriptedUpstream::Exchange& x) {
        send_all(x.fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" + std::string(300'000, 's'));
        released.wait_for(10s);  // then silent, the connection open
        return false;
    });
    auto o = scripted_gateway_options("/api/files", up);
    o.response_timeout = 300ms;
    Gateway gw(o);
    gw.start();
    RawConnection c(gw.port());
    const auto started = std::chrono::steady_clock::now();
    REQUIRE(c.send("GET /api/files/stall HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK_FALSE(c.read_reply(10s));  // never a complete message
    CHECK(c.wait_closed());
    CHECK(std::chrono::steady_clock::now() - started < 5s);
    release.set_value();
    const auto metrics = http(gw.port(), "GET", "/metrics").body;
    CHECK(metric_value(metrics, "gateway_upstream_errors_total{upstream=\"" + up.url() + "\",kind=\"broken\"}") == 1);
}

TEST_CASE("a client that goes away mid-body releases the upstream connection") {
    std::promise<bool> upstream_saw_close;
    ScriptedUpstream up([&](ScriptedUpstream::Exchange& x) {
        send_all(x.fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n");
        const std::string block(64 * 1024, 'q');
        bool failed = false;
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (!failed && std::chrono::steady_clock::now() < deadline) failed = !send_all(x.fd, block);
        upstream_saw_close.set_value(failed);
        return false;
    });
    Gateway gw = make_gateway(up);
    gw.start();
    {
        RawConnection c(gw.port());
        REQUIRE(c.send("GET /api/files/endless HTTP/1.1\r\nHost: x\r\n\r\n"));
        std::string received;
        REQUIRE(receive_until(c, received, [](const std::string& r) { return r.size() > 200'000; }));
    }  // the client closes
    auto outcome = upstream_saw_close.get_future();
    REQUIRE(outcome.wait_for(20s) == std::future_status::ready);
    CHECK(outcome.get());  // the gateway closed its side instead of reading on
}

TEST_CASE("an upload reaches the upstream while the client is still sending it") {
    const std::string first(300'000, 'f'), second(300'000, 's');
    std::promise<void> first_half_upstream;
    ScriptedUpstream up([&](ScriptedUpstream::Exchange& x) {
        std::string body;
        const bool whole = x.read_body(first.size(), body);
        first_half_upstream.set_value();  // the client holds the second half back until now
        if (!whole || !x.read_body(second.size(), body)) return false;
        const std::string answer = x.head.find("Content-Length: 600000") != std::string::npos && body == first + second ? "intact" : "damaged";
        send_all(x.fd, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(answer.size()) + "\r\n\r\n" + answer);
        return true;
    });
    Gateway gw = make_gateway(up);
    gw.start();
    RawConnection c(gw.port());
    REQUIRE(c.send("PUT /api/files/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 600000\r\n\r\n" + first));
    REQUIRE(first_half_upstream.get_future().wait_for(20s) == std::future_status::ready);
    REQUIRE(c.send(second));
    auto r = c.read_reply(10s);
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == "intact");
}

TEST_CASE("an upload the client abandons mid-body is not passed on as whole; the gateway keeps serving") {
    std::promise<bool> upstream_outcome;
    ScriptedUpstream up([&](ScriptedUpstream::Exchange& x) {
        if (x.head.find("/after") != std::string::npos) {
            send_all(x.fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            return true;
        }
        std::string body;
        upstream_outcome.set_value(x.read_body(100'000, body));  // false: the gateway closed short
        return false;
    });
    Gateway gw = make_gateway(up);
    gw.start();
    {
        RawConnection c(gw.port());
        REQUIRE(c.send("POST /api/files/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + std::string(40'000, 'a')));
        std::this_thread::sleep_for(100ms);
    }  // the client goes away 60 000 bytes short
    auto outcome = upstream_outcome.get_future();
    REQUIRE(outcome.wait_for(20s) == std::future_status::ready);
    CHECK_FALSE(outcome.get());
    CHECK(http(gw.port(), "GET", "/api/files/after").body == "ok");
}

TEST_CASE("an upstream that answers an upload before reading it all has its answer passed on, not a 502") {
    const std::string refusal = R"({"error":"too large"})";
    const auto answer_early = [&](ScriptedUpstream::Exchange& x, std::size_t read_first) {
        std::string body;
        x.read_body(read_first, body);
        send_all(x.fd, "HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
                           std::to_string(refusal.size()) + "\r\n\r\n" + refusal);
    };
    // Two upstream behaviours: closing at once on the unread rest (the client sees a reset),
    // and keeping the connection open without reading another byte.
    std::promise<void> release_upstream;
    auto released = release_upstream.get_future().share();
    const bool closes = GENERATE(true, false);
    ScriptedUpstream up([&](ScriptedUpstream::Exchange& x) {
        answer_early(x, closes ? 100'000 : 0);
        if (!closes) released.wait_for(20s);
        return false;
    });
    // A body far larger than the socket buffers between the gateway and the upstream, so the
    // gateway is still sending it when the answer comes.
    const std::size_t total = 48 * 1024 * 1024;
    GatewayOptions options = scripted_gateway_options("/api/files", up);
    options.server.body_limit = total;
    Gateway gw(options);
    gw.start();
    RawConnection c(gw.port());
    REQUIRE(c.send("POST /api/files/upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(total) + "\r\n\r\n"));
    // The client keeps sending (as a real one does) until the answer arrives or the gateway stops reading.
    const std::string piece(64 * 1024, 'u');
    std::size_t sent = 0;
    while (sent < total && !c.readable(0ms)) {
        if (!c.send(piece)) break;
        sent += piece.size();
    }
    auto r = c.read_reply(10s);
    release_upstream.set_value();
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(r->body == refusal);
    if (sent < total) CHECK(r->header("Connection") == "close");  // the rest of the upload is not read
    CHECK(up.connections() == 1);               // and the upstream connection was not reused for anything
}
