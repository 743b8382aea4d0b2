#pragma once
// Everything aaiti-gateway can be told: listen address and server limits, routes (prefix ->
// upstreams), balancing, timeouts, health and ejection policy, JWT keys, rate limits, tracing.
// Filled from the configuration catalogue (options_from_config) and the command line (main.cpp).
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "services/kit/server_options.h"

namespace aaiti {
class Config;
}

namespace aaiti::gateway {

enum class Balance { round_robin, least_conn };
Balance parse_balance(std::string_view text);  // "round-robin" | "least-conn"; ConfigError otherwise
std::string_view to_string(Balance balance);

// "http://host:port[/]" split up. Only plain http (upstreams are on the private network).
struct UpstreamAddress {
    std::string url;  // normalised: "http://host:port"
    std::string host;
    std::uint16_t port = 80;
};
UpstreamAddress parse_upstream_url(std::string_view url);  // ConfigError naming the URL

struct RouteSpec {
    std::string prefix;  // "/api/trading": matches itself and "/api/trading/..."
    std::vector<UpstreamAddress> upstreams;
    // Per-route policy. `public_access`: no token needed (the JWT check is skipped; identity headers
    // are still stripped). `rate_limited` false: no limiter and no revocation round trip.
    bool public_access = false;
    bool rate_limited = true;
};
// "PREFIX=URL[,URL...][;public][;unlimited]" (the --route flag); the options set the policy above.
RouteSpec parse_route(std::string_view text);
// The six seed routes (/api/auth ... /api/users) from *_SERVICE_URL.
std::vector<RouteSpec> seed_routes(const Config& config);

struct GatewayOptions {
    kit::ServerOptions server;
    std::vector<RouteSpec> routes;
    Balance balance = Balance::round_robin;

    std::chrono::milliseconds connect_timeout{2'000};    // TCP connect to an upstream: then 502 (or a retry)
    std::chrono::milliseconds response_timeout{30'000};  // request sent -> whole response read: then 504
    // Upstream responses with a Content-Length up to this are read whole and answered in one write;
    // longer ones, and those of unknown length, are streamed through as they arrive.
    std::size_t buffered_response_limit = 64 * 1024;
    // Kept-alive upstream connections per I/O thread and upstream. Above it a finished connection is
    // closed, so it must cover the in-flight requests a thread sends one upstream, or a burst turns
    // into connect/close churn.
    std::size_t idle_connections_per_upstream = 1024;

    // Active checks: GET <upstream><health_path> every interval; `fall` failures -> down, `rise`
    // successes -> up. Readiness, not liveness: an instance whose database is gone is alive but should
    // get no requests. An upstream that answers 404 there (no readiness endpoint) is probed on /health.
    std::string health_path = "/ready";
    std::chrono::milliseconds health_interval{2'000};
    std::chrono::milliseconds health_timeout{1'000};
    int health_fall = 3;
    int health_rise = 2;
    // Passive ejection: a connect error ejects at once, `eject_after_errors` consecutive 5xx/timeouts
    // too; each ejection lasts eject_base * 2^(n-1), at most eject_max, until a success resets n.
    int eject_after_errors = 3;
    std::chrono::milliseconds eject_base{1'000};
    std::chrono::milliseconds eject_max{30'000};

    // JWT at the edge. Off only for in-process tests of the pure proxy (main always turns it on).
    bool auth_enabled = true;
    std::string jwt_secret;
    std::string jwt_previous_secrets;

    // Rate limiting: RATE_LIMIT_MAX requests per RATE_LIMIT_WINDOW per client IP and per user.
    bool rate_limit_enabled = true;
    std::string redis_url;  // empty: in-process limiter only
    std::chrono::milliseconds rate_limit_window{15 * 60 * 1000};
    std::int64_t rate_limit_max = 1000;

    std::string jaeger_endpoint;  // empty: no span export
    std::size_t trace_queue_capacity = 8192;  // spans waiting for export; beyond: dropped and counted
    std::chrono::milliseconds trace_flush_interval{1000};
};

// Routes, keys, limits and endpoints from the configuration (flags handled by the caller).
GatewayOptions options_from_config(const Config& config);

// Throws ConfigError for an unusable set (no routes, duplicate prefixes, missing JWT_SECRET...).
void validate(const GatewayOptions& options);

}  // namespace aaiti::gateway
