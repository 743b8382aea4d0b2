#pragma once
// Shared set-up of the gateway tests: upstreams that are in-process kit servers (stoppable and
// restartable on the same port), in-process gateways with short health intervals, and a small
// HTTP client that can pick its source address (rate limits are per client IP, and the harness
// Redis is shared by tests running in parallel: each test uses its own 127.x.y.z).
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "services/gateway/gateway.h"
#include "services/gateway/gateway_options.h"
#include "services/kit/server.h"
#include "tests/kit/kit_test_support.h"
#include "tests/kit/raw_http_client.h"

namespace aaiti::gateway::test {

using kit::test::eventually;
using kit::test::RawConnection;
using kit::test::Reply;
using namespace std::chrono_literals;

// An upstream service: /api/svc/echo (any method: method, path, query, headers and body as text),
// /api/svc/name (its name), /api/svc/status/{code}, /api/svc/slow?ms=N (worker pool sleep), plus
// /health from the kit. Answers carry X-Upstream: <name>.
class TestUpstream {
public:
    explicit TestUpstream(std::string name, std::uint16_t port = 0);
    ~TestUpstream();
    void start();  // on the port it had (or a new one the first time with port 0)
    void stop();
    std::uint16_t port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    const std::string& name() const { return name_; }

private:
    std::string name_;
    std::uint16_t port_;
    std::unique_ptr<kit::Server> server_;
};

// Options for an in-process gateway: loopback, 2 threads, fast health checks, auth and rate limits off.
GatewayOptions test_gateway_options(std::vector<RouteSpec> routes);
RouteSpec route(std::string prefix, const std::vector<const TestUpstream*>& upstreams);

// One request on its own connection (Connection: close) from `source_ip` (any 127.x.y.z).
// Throws when no reply arrives.
Reply http(std::uint16_t port, std::string_view method, std::string_view target,
           const std::vector<std::pair<std::string, std::string>>& headers = {}, std::string_view body = {},
           const std::string& source_ip = "127.0.0.1");

// A random loopback source address 127.a.b.c (not 127.0.0.1), one per call.
std::string fresh_loopback_ip();

// Echo bodies are "key=value" lines: method=GET, path=..., header:<lowercase name>=<value>, body=...
std::map<std::string, std::string> parse_echo(const std::string& body);

// An access token (HS256 with `secret`) for user `sub`, role trader, session sid-<sub>, valid 10 minutes.
std::string access_token_for(const std::string& secret, const std::string& sub);

// Stands in for Jaeger's OTLP/HTTP receiver: POST /v1/traces bodies, kept in arrival order.
class OtlpReceiver {
public:
    OtlpReceiver();
    std::string base_url() const { return server_.base_url(); }
    std::string all();  // every body received so far, concatenated

private:
    std::mutex mutex_;
    std::string bodies_;
    kit::Server server_;
};

// The value of a metric line "name{labels} value" whose text starts with `series`; -1 when absent.
double metric_value(const std::string& metrics_text, std::string_view series);

}  // namespace aaiti::gateway::test
