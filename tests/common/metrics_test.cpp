#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <thread>
#include <unistd.h>
#include <sys/wait.h>

#include "common/metrics.h"

using namespace aaiti::metrics;

namespace {
// promtool reads the exposition on stdin; exit 0 means it is valid and follows the naming conventions.
int promtool_check(const std::string& text) {
    const std::string path = "/tmp/aaiti-metrics-" + std::to_string(::getpid()) + ".txt";
    std::ofstream(path) << text;
    const int status = std::system(("promtool check metrics < " + path + " >&2").c_str());
    std::remove(path.c_str());
    return WEXITSTATUS(status);
}
}  // namespace

TEST_CASE("counters, gauges and histograms render in the Prometheus text format") {
    Registry r;
    r.counter("http_requests_total", "Requests served.", {"method", "status"}).with({"GET", "200"}).inc(3);
    r.gauge("http_requests_in_flight", "Requests being served.").get().set(2);
    auto& h = r.histogram("http_request_duration_seconds", "Time to serve a request.", {"route"}, {0.1, 1});
    h.with({"/a"}).observe(0.05);
    h.with({"/a"}).observe(0.5);
    h.with({"/a"}).observe(5);

    const std::string text = r.render();
    CHECK_THAT(text, Catch::Contains("# TYPE http_requests_total counter\n"));
    CHECK_THAT(text, Catch::Contains("http_requests_total{method=\"GET\",status=\"200\"} 3\n"));
    CHECK_THAT(text, Catch::Contains("http_requests_in_flight 2\n"));
    CHECK_THAT(text, Catch::Contains("http_request_duration_seconds_bucket{route=\"/a\",le=\"0.1\"} 1\n"));
    CHECK_THAT(text, Catch::Contains("http_request_duration_seconds_bucket{route=\"/a\",le=\"1\"} 2\n"));
    CHECK_THAT(text, Catch::Contains("http_request_duration_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3\n"));
    CHECK_THAT(text, Catch::Contains("http_request_duration_seconds_sum{route=\"/a\"} 5.55\n"));
    CHECK_THAT(text, Catch::Contains("http_request_duration_seconds_count{route=\"/a\"} 3\n"));
    CHECK(promtool_check(text) == 0);
}

TEST_CASE("label values with quotes, backslashes and newlines are escaped") {
    Registry r;
    r.counter("odd_total", "Odd labels.", {"path"}).with({"a\"b\\c\nd"}).inc();
    const std::string text = r.render();
    CHECK_THAT(text, Catch::Contains(R"(odd_total{path="a\"b\\c\nd"} 1)"));
    CHECK(promtool_check(text) == 0);
}

TEST_CASE("a counter name without _total is rejected") {
    Registry r;
    CHECK_THROWS_AS(r.counter("requests", "x"), std::invalid_argument);
}

TEST_CASE("registering a name again returns the same family, with other labels it throws") {
    Registry r;
    auto& a = r.counter("x_total", "x", {"a"});
    CHECK(&a == &r.counter("x_total", "x", {"a"}));
    CHECK_THROWS_AS(r.counter("x_total", "x", {"b"}), std::invalid_argument);
    CHECK_THROWS_AS(r.gauge("x_total", "x", {"a"}), std::invalid_argument);
}

TEST_CASE("a wrong number of label values throws") {
    Registry r;
    auto& f = r.counter("y_total", "y", {"a", "b"});
    CHECK_THROWS_AS(f.with({"only-one"}), std::invalid_argument);
}

TEST_CASE("concurrent updates are all counted") {
    Registry r;
    auto& c = r.counter("z_total", "z").get();
    auto& h = r.histogram("z_seconds", "z").get();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 10000; ++i) {
                c.inc();
                h.observe(0.001);
            }
        });
    for (auto& t : threads) t.join();
    CHECK(c.value() == 40000);
    CHECK(h.snapshot().count == 40000);
}

TEST_CASE("small bucket bounds are written in plain decimal, as other exporters write them") {
    Registry r;
    r.histogram("tiny_seconds", "Tiny.").get().observe(0.0001);
    const std::string text = r.render();
    CHECK_THAT(text, Catch::Contains("tiny_seconds_bucket{le=\"0.0005\"} 1\n"));
    CHECK_THAT(text, Catch::Contains("tiny_seconds_bucket{le=\"2.5\"} 1\n"));
    CHECK(promtool_check(text) == 0);
}
