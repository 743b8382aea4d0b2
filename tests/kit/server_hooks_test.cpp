// The hooks a reverse proxy needs from the kit: a catch-all async route, the I/O thread's
// io_context and index, and getting a port back right after a restart.
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "common/metrics.h"
#include "services/kit/io_context.h"
#include "tests/kit/kit_test_support.h"

using namespace aaiti::kit;
using namespace aaiti::kit::test;

TEST_CASE("fallback_async serves paths no route matches; routes and 405 keep precedence") {
    Server s(test_options());
    s.get("/known", [](const Request&) { return Response::text(200, "known"); });
    s.fallback_async("proxy", [](const Request& r, Responder done) { done(Response::text(200, "fallback " + r.route + " " + r.path)); });
    s.start();
    CHECK(get(s.port(), "/known").body == "known");
    CHECK(get(s.port(), "/any/deep/path?x=1").body == "fallback proxy /any/deep/path");
    CHECK(request(s.port(), "POST", "/known").status == 405);
    CHECK(get(s.port(), "/health").status == 200);
    auto m = get(s.port(), "/metrics").body;
    CHECK(m.find(R"(http_requests_total{method="GET",route="proxy",status="200"} 1)") != std::string::npos);
}

TEST_CASE("without a fallback an unknown path is still 404") {
    Server s(test_options());
    s.start();
    CHECK(get(s.port(), "/nothing").status == 404);
}

TEST_CASE("an async handler can reach its I/O thread's io_context and index; other threads get none") {
    CHECK(current_io_context() == nullptr);
    CHECK(current_io_thread_index() == -1);
    Server s(test_options());
    std::atomic<int> bad{0};
    s.route_async("GET", "/timer", [&](const Request&, Responder done) {
        auto* ioc = current_io_context();
        const int index = current_io_thread_index();
        if (!ioc || index < 0 || index >= static_cast<int>(s.options().threads)) {
            ++bad;
            done(Response::text(500, "no context"));
            return;
        }
        // Work scheduled on that context runs on this same thread, which answers.
        auto timer = std::make_shared<boost::asio::steady_timer>(*ioc, std::chrono::milliseconds(10));
        timer->async_wait([timer, done, index](const boost::system::error_code&) {
            done(Response::text(200, current_io_thread_index() == index ? "same thread" : "other thread"));
        });
    });
    s.start();
    for (int i = 0; i < 4; ++i) CHECK(get(s.port(), "/timer").body == "same thread");
    CHECK(bad.load() == 0);
}

TEST_CASE("keep-alive connections are spread evenly over the I/O threads, whichever listener took them") {
    auto o = test_options();
    o.threads = 3;
    Server s(o);
    s.get("/thread", [](const Request&) { return Response::text(200, std::to_string(current_io_thread_index())); });
    s.start();
    // SO_REUSEPORT alone would split these by a hash of their ports: 30 lands 14/9/7 as often as 10/10/10.
    std::vector<std::unique_ptr<RawConnection>> connections;
    std::vector<int> per_thread(o.threads, 0);
    for (int i = 0; i < 30; ++i) {
        connections.push_back(std::make_unique<RawConnection>(s.port()));
        REQUIRE(connections.back()->send("GET /thread HTTP/1.1\r\nHost: x\r\n\r\n"));
        const auto reply = connections.back()->read_reply();
        REQUIRE(reply);
        REQUIRE(reply->status == 200);
        ++per_thread.at(std::stoi(reply->body));
    }
    INFO(per_thread[0] << " / " << per_thread[1] << " / " << per_thread[2]);
    for (const int n : per_thread) CHECK(n == 10);
    // Each keeps being served by its thread, and a closed one frees its place for the next.
    REQUIRE(connections.front()->send("GET /thread HTTP/1.1\r\nHost: x\r\n\r\n"));
    const auto again = connections.front()->read_reply();
    REQUIRE(again);
    const int first_thread = std::stoi(again->body);
    connections.front().reset();
    CHECK(eventually([&] {
        RawConnection next(s.port());
        if (!next.send("GET /thread HTTP/1.1\r\nHost: x\r\n\r\n")) return false;
        const auto reply = next.read_reply();
        return reply && std::stoi(reply->body) == first_thread;
    }));
}

TEST_CASE("a server restarted on its port gets it back despite the connections its predecessor closed") {
    auto o = test_options();
    std::uint16_t port = 0;
    {
        Server first(o);
        first.get("/x", [](const Request&) { return Response::text(200, "first"); });
        first.start();
        port = first.port();
        // Connection: close: the server closes first, so its side sits in TIME_WAIT.
        CHECK(get(port, "/x").body == "first");
    }
    o.port = port;
    Server second(o);
    second.get("/x", [](const Request&) { return Response::text(200, "second"); });
    REQUIRE_NOTHROW(second.start());
    CHECK(get(port, "/x").body == "second");
}
