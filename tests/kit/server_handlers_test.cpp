// Handler forms (inline, blocking on the worker pool, async) and their failure modes.
#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "common/error.h"
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

// Two requests on their own connections: the first holds the pool's only worker (blocked on `gate`),
// the second fills its queue (capacity 1), so the next request to that pool is refused.
struct FullPool {
    FullPool(Server& s, Gate& gate, const std::string& request, const std::string& pool) : running(s.port()), queued(s.port()) {
        REQUIRE(running.send(request));
        REQUIRE(eventually([&] { return gate.entered.load() == 1; }));  // the only worker is busy
        REQUIRE(queued.send(request));
        auto& waiting = s.metrics().gauge("http_worker_pool_queued", "", {"pool"}).with({pool});
        REQUIRE(eventually([&] { return waiting.value() == 1; }));  // the queue (capacity 1) is full
    }
    // Opens the gate; both requests already taken are answered 200. Returns their replies.
    std::pair<Reply, Reply> release(Gate& gate) {
        gate.open();
        auto a = running.read_reply();
        auto b = queued.read_reply();
        REQUIRE(a);
        REQUIRE(b);
        CHECK(a->status == 200);
        CHECK(b->status == 200);
        return {*a, *b};
    }
    RawConnection running, queued;
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
    FullPool full(s, gate, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n", "default");
    auto rejected = get(s.port(), "/slow");
    CHECK(rejected.status == 503);
    CHECK(rejected.header("Retry-After") == "2");
    CHECK(rejected.body.find(R"("code":"overloaded")") != std::string::npos);
    full.release(gate);
}

TEST_CASE("/health and /ready answer while every worker of the pool is blocked") {
    auto o = test_options();
    o.threads = 1;
    o.worker_threads = 1;
    o.worker_queue_capacity = 1;
    Server s(o);
    Gate gate;
    s.route_blocking("GET", "/slow", [&](const Request&) {
        gate.wait();
        return Response::text(200, "done");
    });
    s.add_readiness_check("db", [] { return CheckResult::healthy(); });
    s.start();
    FullPool full(s, gate, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n", "default");

    // /ready used to be a blocking route: it queued behind the work (or was refused 503), and a
    // supervisor took the busy process for a dead one.
    for (int i = 0; i < 3; ++i) {
        auto health = get(s.port(), "/health");
        CHECK(health.status == 200);
        auto ready = get(s.port(), "/ready");
        CHECK(ready.status == 200);
        CHECK(ready.body == R"({"status":"ok","checks":{"db":{"status":"ok"}}})");
    }
    CHECK(gate.entered.load() == 1);  // still blocked: the probes did not wait for it
    full.release(gate);
}

TEST_CASE("concurrent /ready probes share one run of the checks") {
    auto release = std::make_shared<std::promise<void>>();
    std::shared_future<void> released = release->get_future().share();
    auto runs = std::make_shared<std::atomic<int>>(0);
    auto o = test_options();
    o.readiness_timeout = std::chrono::seconds(30);
    Server s(o);
    s.add_readiness_check("slow", [released, runs] {
        ++*runs;
        released.wait();
        return CheckResult::healthy();
    });
    s.start();
    std::vector<std::unique_ptr<RawConnection>> probes;
    for (int i = 0; i < 5; ++i) {
        probes.push_back(std::make_unique<RawConnection>(s.port()));
        REQUIRE(probes.back()->send("GET /ready HTTP/1.1\r\nHost: x\r\n\r\n"));
    }
    REQUIRE(eventually([&] { return runs->load() == 1; }));
    CHECK(get(s.port(), "/health").status == 200);  // the I/O thread is free meanwhile
    release->set_value();
    for (auto& p : probes) {
        auto r = p->read_reply();
        REQUIRE(r);
        CHECK(r->status == 200);
    }
    CHECK(runs->load() == 1);
}

TEST_CASE("a named pool's full queue answers 503 + Retry-After while routes on the other pool still answer") {
    auto o = test_options();
    o.threads = 1;  // one I/O thread: a request is queued (or refused) before the next one is read
    o.retry_after_seconds = 3;
    Server s(o);
    s.add_worker_pool("password", 1, 1);
    Gate gate;
    s.route_blocking("POST", "/login", [&](const Request&) {
        gate.wait();
        return Response::text(200, "logged in " + where());
    }, "password");
    s.route_blocking("GET", "/profile", [](const Request&) { return Response::text(200, "profile " + where()); });
    s.start();
    FullPool full(s, gate, "POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", "password");

    auto refused = request(s.port(), "POST", "/login");
    CHECK(refused.status == 503);
    CHECK(refused.header("Retry-After") == "3");
    CHECK(refused.body.find(R"("code":"overloaded")") != std::string::npos);
    auto& rejected = s.metrics().counter("http_worker_pool_rejected_total", "", {"pool"});
    CHECK(rejected.with({"password"}).value() == 1);
    CHECK(rejected.with({"default"}).value() == 0);

    // The other pool's routes, and the probes, are not behind the logins.
    auto profile = get(s.port(), "/profile");
    CHECK(profile.status == 200);
    CHECK(profile.body == "profile worker");
    CHECK(get(s.port(), "/ready").status == 200);
    const std::string metrics = get(s.port(), "/metrics").body;
    CHECK_THAT(metrics, Catch::Contains(R"(http_worker_pool_rejected_total{pool="password"} 1)"));
    CHECK_THAT(metrics, Catch::Contains(R"(http_worker_pool_queued{pool="password"} 1)"));

    const auto [a, b] = full.release(gate);  // the logins already taken finish
    CHECK(a.body == "logged in worker");
}

TEST_CASE("a worker pool added with a niceness runs its handlers at that niceness, the default pool at the process's") {
    Server s(test_options());
    s.add_worker_pool("background", 1, 4, 7);
    auto niceness = [](const Request&) {
        errno = 0;
        return Response::text(200, std::to_string(::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()))));
    };
    s.route_blocking("GET", "/background", niceness, "background");
    s.route_blocking("GET", "/default", niceness);
    s.start();
    errno = 0;
    const int process = ::getpriority(PRIO_PROCESS, 0);
    CHECK(get(s.port(), "/default").body == std::to_string(process));
    // Niceness 7, unless the test itself runs nicer than that and may not lower it (not as root).
    const std::string background = get(s.port(), "/background").body;
    CHECK((background == "7" || (process > 7 && background == std::to_string(process))));
    CHECK_THROWS_AS(s.add_worker_pool("bad", 1, 0, 20), aaiti::ConfigError);
}

TEST_CASE("a blocking route naming a pool that was not added, or a pool added twice, is a ConfigError") {
    Server s(test_options());
    CHECK_THROWS_AS(s.route_blocking("GET", "/x", [](const Request&) { return Response::text(200, ""); }, "nope"),
                    aaiti::ConfigError);
    s.add_worker_pool("password", 1, 0);
    CHECK_THROWS_AS(s.add_worker_pool("password", 1, 0), aaiti::ConfigError);
    CHECK_THROWS_AS(s.add_worker_pool("default", 1, 0), aaiti::ConfigError);
    CHECK_THROWS_AS(s.add_worker_pool("none", 0, 0), aaiti::ConfigError);
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
