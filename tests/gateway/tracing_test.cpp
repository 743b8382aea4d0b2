// Span export to a local OTLP/HTTP receiver (an in-process kit server standing in for Jaeger).
#include <catch2/catch.hpp>

#include "tests/gateway/gateway_test_support.h"
#include "tests/support/network.h"

using namespace aaiti;
using namespace aaiti::gateway;
using namespace aaiti::gateway::test;

TEST_CASE("each proxied request becomes a span exported as OTLP/HTTP JSON, in the caller's trace") {
    OtlpReceiver jaeger;
    TestUpstream up("a");
    auto o = test_gateway_options({route("/api/svc", {&up})});
    o.jaeger_endpoint = jaeger.base_url();
    o.trace_flush_interval = std::chrono::milliseconds(50);
    o.server.service_version = "2.1.0";
    o.server.environment = "staging";
    Gateway gw(o);
    gw.start();
    const std::string trace = "0af7651916cd43dd8448eb211c80319c";
    auto r = http(gw.port(), "GET", "/api/svc/status/503", {{"traceparent", "00-" + trace + "-b7ad6b7169203331-01"}});
    REQUIRE(r.status == 503);
    const std::string span_id = r.header("traceparent").substr(36, 16);
    REQUIRE(eventually([&] { return jaeger.all().find(trace) != std::string::npos; }));
    const std::string body = jaeger.all();
    CHECK(body.find(R"("resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"aaiti-gateway"}},)"
                    R"({"key":"service.version","value":{"stringValue":"2.1.0"}},)"
                    R"({"key":"deployment.environment","value":{"stringValue":"staging"}}]})") != std::string::npos);
    CHECK(body.find("\"traceId\":\"" + trace + "\",\"spanId\":\"" + span_id + "\",\"parentSpanId\":\"b7ad6b7169203331\"") !=
          std::string::npos);
    CHECK(body.find(R"("name":"GET /api/svc")") != std::string::npos);
    CHECK(body.find(R"({"key":"http.status_code","value":{"intValue":"503"}})") != std::string::npos);
    CHECK(body.find(R"("status":{"code":2})") != std::string::npos);
    CHECK(body.find("\"aaiti.upstream\",\"value\":{\"stringValue\":\"" + up.url() + "\"}") != std::string::npos);
}

TEST_CASE("when the collector is unreachable spans are dropped and counted, and requests are unaffected") {
    TestUpstream up("a");
    auto o = test_gateway_options({route("/api/svc", {&up})});
    o.jaeger_endpoint = "http://127.0.0.1:" + std::to_string(aaiti::test::free_loopback_port());
    o.trace_queue_capacity = 2;
    o.trace_flush_interval = std::chrono::seconds(30);  // nothing leaves the queue during the test
    Gateway gw(o);
    gw.start();
    for (int i = 0; i < 6; ++i) CHECK(http(gw.port(), "GET", "/api/svc/name").status == 200);
    auto m = http(gw.port(), "GET", "/metrics").body;
    CHECK(metric_value(m, "gateway_trace_spans_dropped_total") >= 4);
}
