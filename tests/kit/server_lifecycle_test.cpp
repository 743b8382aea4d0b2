// Built-in routes, metrics exposition, ports, graceful drain and the service main's exit.
#include <catch2/catch.hpp>

#include <sys/socket.h>

#include <csignal>
#include <future>
#include <thread>

#include "common/error.h"
#include "common/metrics.h"
#include "tests/kit/kit_test_support.h"
#include "tests/support/process.h"

using namespace aaiti::kit;
using namespace aaiti::kit::test;

TEST_CASE("/health answers ok") {
    Server s(test_options());
    s.start();
    auto r = get(s.port(), "/health");
    CHECK(r.status == 200);
    CHECK(r.body == R"({"status":"ok"})");
}

TEST_CASE("/ready is 200 when every check passes and 503 with per-check detail when one fails") {
    Server healthy(test_options());
    healthy.add_readiness_check("db", [] { return CheckResult::healthy(); });
    healthy.start();
    auto ok = get(healthy.port(), "/ready");
    CHECK(ok.status == 200);
    CHECK(ok.body == R"({"status":"ok","checks":{"db":{"status":"ok"}}})");

    Server failing(test_options());
    failing.add_readiness_check("db", [] { return CheckResult::healthy(); });
    failing.add_readiness_check("redis", [] { return CheckResult::failed("connection refused"); });
    failing.start();
    auto bad = get(failing.port(), "/ready");
    CHECK(bad.status == 503);
    CHECK(bad.body ==
          R"({"status":"unavailable","checks":{"db":{"status":"ok"},"redis":{"status":"error","detail":"connection refused"}}})");
}

TEST_CASE("a readiness check that hangs fails /ready at the timeout and is not started twice") {
    auto release = std::make_shared<std::promise<void>>();
    std::shared_future<void> released = release->get_future().share();
    auto started = std::make_shared<std::atomic<int>>(0);
    auto o = test_options();
    o.readiness_timeout = std::chrono::milliseconds(200);
    Server s(o);
    s.add_readiness_check("db", [] { return CheckResult::healthy(); });
    s.add_readiness_check("stuck", [released, started] {
        ++*started;
        released.wait();
        return CheckResult::healthy();
    });
    s.start();
    auto first = get(s.port(), "/ready");
    CHECK(first.status == 503);
    CHECK(first.body ==
          R"({"status":"unavailable","checks":{"db":{"status":"ok"},"stuck":{"status":"error","detail":"no answer within 200 ms"}}})");
    auto second = get(s.port(), "/ready");
    CHECK(second.status == 503);
    CHECK_THAT(second.body, Catch::Contains(R"("stuck":{"status":"error","detail":"still running from an earlier probe"})"));
    CHECK(started->load() == 1);
    release->set_value();
    CHECK(eventually([&] { return get(s.port(), "/ready").status == 200; }));
}

TEST_CASE("/metrics counts requests by route template and passes promtool check metrics") {
    Server s(test_options());
    s.get("/api/users/{id}", [](const Request&) { return Response::text(200, "u"); });
    s.metrics().counter("demo_things_total", "Things a service counts.").get().inc(3);
    s.start();
    for (int i = 0; i < 3; ++i) get(s.port(), "/api/users/" + std::to_string(i));
    get(s.port(), "/missing");
    request(s.port(), "BREW", "/api/users/1");
    // A request is recorded once its response is written, which can be just after the client has
    // read it, and the two I/O threads record in either order: scrape until every one shows.
    Reply r;
    CHECK(eventually([&] {
        r = get(s.port(), "/metrics");
        return r.body.find(R"(route="/api/users/{id}",status="405"} 1)") != std::string::npos &&
               r.body.find(R"(route="unmatched",status="404"} 1)") != std::string::npos &&
               r.body.find(R"(route="/api/users/{id}",status="200"} 3)") != std::string::npos;
    }));
    CHECK(r.status == 200);
    CHECK(r.header("Content-Type") == aaiti::metrics::Registry::k_content_type);
    const std::string& body = r.body;
    CHECK(body.find(R"(http_requests_total{method="GET",route="/api/users/{id}",status="200"} 3)") != std::string::npos);
    CHECK(body.find(R"(http_requests_total{method="GET",route="unmatched",status="404"} 1)") != std::string::npos);
    CHECK(body.find(R"(http_requests_total{method="OTHER",route="/api/users/{id}",status="405"} 1)") != std::string::npos);
    CHECK(body.find(R"(http_request_duration_seconds_count{method="GET",route="/api/users/{id}"} 3)") != std::string::npos);
    CHECK(body.find("http_requests_in_flight") != std::string::npos);
    CHECK(body.find("http_connections_open") != std::string::npos);
    CHECK(body.find("demo_things_total 3") != std::string::npos);
    CHECK(body.find("/api/users/1\"") == std::string::npos);  // raw paths never become labels

    aaiti::test::ProcessOptions opts;
    opts.stdin_data = body;
    auto check = aaiti::test::run_process({"promtool", "check", "metrics"}, opts);
    INFO("promtool: " << check.out << check.err << "\n" << body);
    CHECK(check.exit_code == 0);
}

TEST_CASE("port 0 gives each server its own ephemeral port, shared by all its I/O threads") {
    auto o = test_options();
    o.threads = 3;
    Server a(o), b(o);
    a.start();
    b.start();
    CHECK(a.port() != 0);
    CHECK(b.port() != 0);
    CHECK(a.port() != b.port());
    CHECK(a.base_url() == "http://127.0.0.1:" + std::to_string(a.port()));
    for (int i = 0; i < 12; ++i) CHECK(get(a.port(), "/health").status == 200);
}

TEST_CASE("binding a port that is already in use fails with an IoError naming the address") {
    Server a(test_options());
    a.start();
    auto o = test_options();
    o.port = a.port();
    Server b(o);
    REQUIRE_THROWS_AS(b.start(), aaiti::IoError);
    try {
        b.start();
    } catch (const aaiti::IoError& e) {
        CHECK(std::string(e.what()).find("127.0.0.1:" + std::to_string(a.port())) != std::string::npos);
    }
}

TEST_CASE("graceful drain lets an in-flight request finish while new connections are refused") {
    Server s(test_options());
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::atomic<bool> entered{false};
    s.route_blocking("GET", "/slow", [&](const Request&) {
        entered = true;
        released.wait();
        return Response::text(200, "finished");
    });
    s.get("/hello", [](const Request&) { return Response::text(200, "hi"); });
    s.start();
    const auto port = s.port();

    RawConnection idle(port);  // kept alive and idle: closed at once by the drain
    REQUIRE(idle.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(idle.read_reply());
    RawConnection busy(port);
    REQUIRE(busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(eventually([&] { return entered.load(); }));

    std::thread stopper([&] { s.stop(); });
    CHECK(eventually([&] { return s.draining(); }));
    CHECK(eventually([&] { return connection_refused(port); }));
    CHECK(idle.wait_closed());
    release.set_value();
    auto r = busy.read_reply();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == "finished");
    CHECK(r->header("Connection") == "close");
    CHECK(busy.wait_closed());
    stopper.join();
    s.stop();  // idempotent
}

TEST_CASE("drain gives up on a request that outlives the drain timeout and stop() returns") {
    auto o = test_options();
    o.drain_timeout = std::chrono::milliseconds(200);
    Server s(o);
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::atomic<bool> entered{false};
    s.route_blocking("GET", "/stuck", [&](const Request&) {
        entered = true;
        released.wait();
        return Response::text(200, "late");
    });
    s.start();
    RawConnection stuck(s.port());
    REQUIRE(stuck.send("GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(eventually([&] { return entered.load(); }));
    std::thread releaser([&] {
        // The pool joins its running task on shutdown: let it finish once stop() is under way.
        eventually([&] { return s.draining(); });
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        release.set_value();
    });
    s.stop();
    CHECK(stuck.wait_closed());
    releaser.join();
}

TEST_CASE("run() returns 0 when stop() is called from another thread") {
    Server s(test_options());
    s.start();
    auto result = std::async(std::launch::async, [&] { return s.run(); });
    CHECK(get(s.port(), "/health").status == 200);
    s.stop();
    CHECK(result.get() == 0);
}

namespace {

// The port an aaiti-demo started on 127.0.0.1:0 listens on, from its startup line's
// "http://127.0.0.1:PORT/hello". (No std::regex: GCC 12 warns inside <regex> under the asan preset's -O1.)
std::uint16_t demo_port(aaiti::test::ChildProcess& demo) {
    std::uint16_t port = 0;
    REQUIRE(eventually([&] {
        const std::string err = demo.err(), prefix = "http://127.0.0.1:";
        auto at = err.find(prefix);
        if (at == std::string::npos) return false;
        auto end = err.find("/hello", at);
        if (end == std::string::npos) return false;
        port = static_cast<std::uint16_t>(std::stoi(err.substr(at + prefix.size(), end - at - prefix.size())));
        return true;
    }, std::chrono::seconds(10)));
    return port;
}

}  // namespace

TEST_CASE("aaiti-demo serves /hello, logs JSON, and exits 0 on SIGTERM") {
    aaiti::test::ChildProcess demo({aaiti::test::binary_path("aaiti-demo"), "--listen", "127.0.0.1:0", "--threads", "2"});
    const std::uint16_t port = demo_port(demo);
    auto r = get(port, "/hello");
    CHECK(r.status == 200);
    CHECK(r.body == R"({"message":"hello from aaiti","service":"aaiti-demo"})");
    CHECK(eventually([&] { return demo.err().find(R"("path":"/hello")") != std::string::npos; }));
    CHECK(demo.err().find(R"("aborted")") == std::string::npos);
    demo.signal(SIGTERM);
    auto result = demo.wait(std::chrono::seconds(10));
    REQUIRE(result);
    CHECK(result->exit_code == 0);
}

TEST_CASE("the access log marks a response the client left before its end as aborted, with the bytes actually sent") {
    aaiti::test::ChildProcess demo({aaiti::test::binary_path("aaiti-demo"), "--listen", "127.0.0.1:0", "--threads", "1"});
    const std::uint16_t port = demo_port(demo);
    {
        // 64 MiB asked for, a few KiB read, then gone: the rest cannot be written.
        RawConnection c(port);
        c.send("GET /bytes/67108864 HTTP/1.1\r\nHost: x\r\n\r\n");
        REQUIRE(c.readable(std::chrono::seconds(5)));
        char head[4096];
        const ssize_t n = ::recv(c.fd(), head, sizeof head, 0);
        REQUIRE(n > 12);
        CHECK(std::string_view(head, 12) == "HTTP/1.1 200");
    }
    CHECK(eventually([&] {
        const std::string err = demo.err();
        const auto at = err.find(R"("path":"/bytes/67108864")");
        if (at == std::string::npos) return false;
        const auto line_start = err.rfind('\n', at) + 1;  // npos + 1 == 0 on the first line
        const std::string line = err.substr(line_start, err.find('\n', at) - line_start);
        return line.find(R"("aborted":true)") != std::string::npos && line.find(R"("bytes":67108864)") == std::string::npos;
    }, std::chrono::seconds(10)));
}
