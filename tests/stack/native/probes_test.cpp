// The supervisor's readiness probes against real servers: the HTTP peer, the fixture's PostgreSQL primary,
// replica and Redis, closed ports, and listeners that accept but never answer.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "stack/native/probes.h"
#include "tests/support/http_peer.h"
#include "tests/support/network.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_servers.h"

using Catch::Matchers::Contains;
using namespace std::chrono_literals;

namespace aaiti::stack::native {
namespace {

using Clock = std::chrono::steady_clock;

// Accepts TCP connections (the kernel completes them from the backlog) but never reads or writes: what a
// hung process looks like to a probe.
class SilentListener {
public:
    SilentListener() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(::listen(fd_, 16) == 0);
        socklen_t length = sizeof address;
        REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
        port_ = ntohs(address.sin_port);
    }
    ~SilentListener() { ::close(fd_); }
    int port() const { return port_; }

private:
    int fd_ = -1;
    int port_ = 0;
};

// Runs `probe` and checks it gave up: not ok, a timeout detail, and well within a generous bound (no
// tight timing assertions: a loaded CI machine must not fail this).
template <typename Probe>
void check_gives_up(Probe probe) {
    const auto start = Clock::now();
    const ProbeResult r = probe();
    const auto took = Clock::now() - start;
    INFO(r.detail);
    CHECK_FALSE(r.ok);
    CHECK_THAT(r.detail, Contains("timed out after 300 ms"));
    CHECK(took < 5s);
}

TEST_CASE("probe_http is ok on 200 and not ok on 503, naming the status") {
    test::HttpPeer peer;
    const ProbeResult ok = probe_http(peer.port(), "/status/200", 2000ms);
    INFO(ok.detail << "\n" << peer.log());
    CHECK(ok.ok);
    CHECK(ok.detail == "HTTP 200");
    const ProbeResult unavailable = probe_http(peer.port(), "/status/503", 2000ms);
    CHECK_FALSE(unavailable.ok);
    CHECK(unavailable.detail == "HTTP 503");
    CHECK(probe_http(peer.port(), "status/204", 2000ms).detail == "HTTP 204");  // a missing leading '/' is added
}

TEST_CASE("probe_http on a closed port is refused at once") {
    const int closed = test::free_loopback_port();
    const auto start = Clock::now();
    const ProbeResult r = probe_http(closed, "/health", 2000ms);
    CHECK_FALSE(r.ok);
    CHECK(r.detail == "connection refused");
    CHECK(Clock::now() - start < 2s);
}

TEST_CASE("probes of a listener that never answers give up after their timeout") {
    SilentListener silent;
    SECTION("http") { check_gives_up([&] { return probe_http(silent.port(), "/health", 300ms); }); }
    SECTION("redis") { check_gives_up([&] { return probe_redis(silent.port(), 300ms); }); }
    SECTION("postgres") { check_gives_up([&] { return probe_postgres(silent.port(), 300ms); }); }
}

TEST_CASE("probe_http refuses a path that would inject headers") {
    test::HttpPeer peer;
    const ProbeResult r = probe_http(peer.port(), "/x HTTP/1.1\r\nX-Evil: 1\r\n", 2000ms);
    CHECK_FALSE(r.ok);
    CHECK(r.detail == "invalid path");
}

TEST_CASE("probe_tcp is ok on a listener and refused on a closed port") {
    SilentListener listener;
    const ProbeResult up = probe_tcp(listener.port(), 1000ms);
    CHECK(up.ok);
    const ProbeResult down = probe_tcp(test::free_loopback_port(), 1000ms);
    CHECK_FALSE(down.ok);
    CHECK(down.detail == "connection refused");
    CHECK_FALSE(probe_tcp(0, 1000ms).ok);
}

TEST_CASE("probe_redis gets PONG from the fixture's Redis and is refused on a closed port", "[pg]") {
    const ProbeResult r = probe_redis(test::test_servers().redis_port, 2000ms);
    INFO(r.detail);
    CHECK(r.ok);
    CHECK(r.detail == "PONG");
    const ProbeResult down = probe_redis(test::free_loopback_port(), 2000ms);
    CHECK_FALSE(down.ok);
    CHECK(down.detail == "connection refused");
}

TEST_CASE("probe_redis authenticates to a Redis with requirepass; without or with a wrong password it is not ok, never naming it") {
    test::TempDir dir("probe-redis-auth");
    // The way the native plan runs it: the password in a config file, the rest on the command line.
    const auto conf = dir.write_file("redis.conf", "requirepass \"s3cret-pw\"\n");
    const int port = test::free_loopback_port();
    test::ChildProcess redis({"redis-server", conf.string(), "--bind", "127.0.0.1", "--port", std::to_string(port), "--save", "",
                              "--appendonly", "no", "--dir", dir.path().string()});
    ProbeResult r;
    for (int i = 0; i < 100 && !(r = probe_redis(port, 1000ms, "s3cret-pw")).ok; ++i) std::this_thread::sleep_for(50ms);
    INFO(r.detail << "\n" << redis.out());
    CHECK(r.ok);
    CHECK(r.detail == "PONG");
    const ProbeResult anonymous = probe_redis(port, 1000ms);
    CHECK_FALSE(anonymous.ok);
    CHECK_THAT(anonymous.detail, Contains("NOAUTH"));
    const ProbeResult wrong = probe_redis(port, 1000ms, "guess");
    CHECK_FALSE(wrong.ok);
    CHECK_THAT(wrong.detail, Contains("WRONGPASS"));
    CHECK(wrong.detail.find("guess") == std::string::npos);
}

TEST_CASE("probe_postgres accepts the fixture's primary and replica and is refused on a closed port", "[pg]") {
    const auto& servers = test::test_servers();
    for (const int port : {servers.pg_port, servers.pg_replica_port}) {
        const ProbeResult r = probe_postgres(port, 2000ms);
        INFO(port << ": " << r.detail);
        CHECK(r.ok);
    }
    const ProbeResult down = probe_postgres(test::free_loopback_port(), 2000ms);
    CHECK_FALSE(down.ok);
    CHECK(down.detail == "connection refused");
}

TEST_CASE("probes run concurrently from several threads", "[pg]") {
    const auto& servers = test::test_servers();
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 10; ++i) {
                if (!probe_postgres(servers.pg_port, 2000ms).ok) ++failures;
                if (!probe_redis(servers.redis_port, 2000ms).ok) ++failures;
            }
        });
    for (auto& t : threads) t.join();
    CHECK(failures == 0);
}

}  // namespace
}  // namespace aaiti::stack::native
