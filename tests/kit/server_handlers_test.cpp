// Handler forms (inline, blocking on the worker pool, async) and their failure modes.
#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "common/metrics.h"
#include "services/kit/worker_pool.h"
#include "tests/kit/kit_test_support.h"

using namespace aaiti::kit;
using namespace aaiti::kit::test;

namespace {
std::string where() { return WorkerPool::on_worker_thread() ? "worker" : "io"; }

// A gate a test opens to let blocked handlers finish.
struct Gate {
    std::promise<void> promise;
    std::shared_future<void> future = promise.get_future().share();
    std::atomic<int> entered{0};
    void wait() {
        ++entered;
        future.wait();
    }
    void open() { promise.set_value(); }
};
}  // namespace

TEST_CASE("a handler exception becomes a 500 JSON error and the server keeps serving") {
    Server s(test_options());
    s.get("/boom", [](const Request&) -> Response { throw std::runtime_error("database exploded"); });
    s.get("/weird", [](const Request&) -> Response { throw 42; });
    s.route_blocking("GET", "/boom-blocking", [](const Request&) -> Response { throw std::logic_error("nope"); });
    s.get("/ok", [](const Request&) { return Response::text(200, "ok"); });
    s.start();
    for (const char* path : {"/boom", "/weird", "/boom-blocking"}) {
        RawConnection c(s.port());
        REQUIRE(c.send(std::string("GET ") + path + " HTTP/1.1\r\nHost: x\r\nX-Request-Id: rid-500\r\n\r\n"));
        auto r = c.read_reply();
        REQUIRE(r);
        CHECK(r->status == 500);
        CHECK(r->body.find(R"("code":"internal")") != std::string::npos);
        CHECK(r->body.find(R"("request_id":"rid-500")") != std::string::npos);
        CHECK(r->body.find("exploded") == std::string::npos);  // internals stay in the log
        // The same connection still works.
        REQUIRE(c.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n"));
        auto ok = c.read_reply();
        REQUIRE(ok);
        CHECK(ok->body == "ok");
    }
}

TEST_CASE("a blocking handler runs on the worker pool, an inline one on the I/O thread") {
    Server s(test_options());
    s.get("/inline", [](const Request&) { return Response::text(200, where()); });
    s.route_blocking("GET", "/blocking", [](const Request& r) { return Response::text(200, where() + " " + r.request_id); });
    s.start();
    CHECK(get(s.port(), "/inline").body == "io");
    auto r = get(s.port(), "/blocking", {{"X-Request-Id", "b-1"}});
    CHECK(r.body == "worker b-1");
    CHECK(r.header("X-Request-Id") == "b-1");
}

TEST_CASE("a blocked worker pool does not stall inline routes on the same connection's thread") {
    auto o = test_options();
    o.threads = 1;
    o.worker_threads = 1;
    Server s(o);
    Gate gate;
    s.route_blocking("GET", "/slow", [&](const Request&) {
        gate.wait();
        return Response::text(200, "slow done");
    });
    s.get("/fast", [](const Request&) { return Response::text(200, "fast"); });
    s.start();
    RawConnection slow(s.port());
    REQUIRE(slow.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(eventually([&] { return gate.entered.load() == 1; }));
    CHECK(get(s.port(), "/fast").body == "fast");
    gate.open();
    auto r = slow.read_reply();
    REQUIRE(r);
    CHECK(r->body == "slow done");
}

TEST_CASE("a full worker pool answers 503 with Retry-After instead of queueing") {
    auto o = test_options();
    o.worker_threads = 1;
    o.worker_queue_capacity = 1;
    o.retry_after_seconds = 2;
    o.threads = 1;  // one I/O thread: a request is queued (or refused) before the next one is read
    Server s(o);
    Gate gate;
    s.route_blocking("GET", "/slow", [&](const Request&) {
        gate.wait();
        return Response::text(200, "done");
    });
    s.start();
    RawConnection running(s.port()), queued(s.port());
    REQUIRE(running.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(eventually([&] { return gate.entered.load() == 1; }));  // the only worker is busy
    REQUIRE(queued.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto& waiting = s.metrics().gauge("http_worker_pool_queued", "Blocking requests waiting for a worker thread.").get();
    REQUIRE(eventually([&] { return waiting.value() == 1; }));  // the queue (capacity 1) is full
    auto rejected = get(s.port(), "/slow");
    CHECK(rejected.status == 503);
    CHECK(rejected.header("Retry-After") == "2");
    CHECK(rejected.body.find(R"("code":"overloaded")") != std::string::npos);
    gate.open();
    auto a = running.read_reply();
    auto b = queued.read_reply();
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->status == 200);
    CHECK(b->status == 200);
}

TEST_CASE("an async handler completes from another thread and the connection resumes") {
    Server s(test_options());
    std::mutex m;
    std::vector<std::thread> upstream;
    s.route_async("GET", "/proxy/{id}", [&](const Request& r, Responder respond) {
        std::string id(r.param("id"));
        std::lock_guard lock(m);
        upstream.emplace_back([id, respond] {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            respond(Response::text(200, "upstream " + id + (WorkerPool::on_worker_thread() ? " worker" : "")));
        });
    });
    s.route_async("GET", "/forgot", [](const Request&, Responder) {});
    s.route_async("GET", "/twice", [](const Request&, Responder respond) {
        respond(Response::text(200, "first"));
        respond(Response::text(200, "second"));
    });
    s.route_async("GET", "/throws", [](const Request&, Responder) { throw std::runtime_error("x"); });
    s.start();
    RawConnection c(s.port());
    REQUIRE(c.send("GET /proxy/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /proxy/2 HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto one = c.read_reply();
    auto two = c.read_reply();
    REQUIRE(one);
    REQUIRE(two);
    CHECK(one->body == "upstream 1");
    CHECK(two->body == "upstream 2");
    CHECK(get(s.port(), "/forgot").status == 500);
    CHECK(get(s.port(), "/twice").body == "first");
    CHECK(get(s.port(), "/throws").status == 500);
    s.stop();
    for (auto& t : upstream) t.join();
}
