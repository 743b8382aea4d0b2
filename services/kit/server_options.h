#pragma once
// Everything a service may tune about its HTTP server, with defaults fit for production.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/client_address.h"

namespace aaiti {
class Config;
}

namespace aaiti::kit {

struct ServerOptions {
    std::string host = "127.0.0.1";  // an IPv4 or IPv6 literal; "0.0.0.0" / "::" for all interfaces
    std::uint16_t port = 0;          // 0: an ephemeral port (read it back with Server::port())
    unsigned threads = 0;            // I/O threads, each with its own io_context and acceptor; 0 = one per core

    std::size_t header_limit = 16 * 1024;   // request line + header fields; beyond: 431
    std::size_t body_limit = 1024 * 1024;   // request body (Content-Length or chunked); beyond: 413

    std::chrono::milliseconds read_timeout{10'000};   // a started request must be complete by then: 408 + close
    std::chrono::milliseconds idle_timeout{60'000};   // keep-alive connection without a request: close
    std::chrono::milliseconds write_timeout{10'000};  // a response must be written by then: close
    std::chrono::milliseconds drain_timeout{10'000};  // graceful shutdown: in-flight requests get this long
    std::chrono::milliseconds readiness_timeout{2'000};  // each /ready check; a slower one counts as failed
    // After an error response that closes the connection the kit reads and discards what the client
    // still sends, for at most this long, so the client reads the error instead of a reset.
    std::chrono::milliseconds linger_timeout{1'000};

    // Open connections across all threads. Beyond it a new connection is accepted, answered with
    // 503 (Connection: close) without reading its request, and closed.
    std::size_t max_connections = 10'000;

    std::size_t worker_threads = 4;         // the blocking-handler pool
    std::size_t worker_queue_capacity = 256;  // waiting blocking requests; beyond: 503 + Retry-After
    unsigned retry_after_seconds = 1;       // Retry-After on 503s

    // Peers whose X-Forwarded-For is believed (TRUSTED_PROXIES): a load balancer in front of the
    // gateway, the gateway in front of a service. Empty: nobody's; the peer is the client.
    net::NetworkList trusted_proxies;
    // Clients (by Request::client_address) that may read /metrics (METRICS_ALLOW); others get 403.
    // A service behind a proxy must not hand its counters to whoever reaches the proxy.
    static constexpr std::string_view k_default_metrics_allow = "127.0.0.0/8,::1";
    net::NetworkList metrics_allow = net::NetworkList::parse(k_default_metrics_allow, "METRICS_ALLOW");

    // What the process reports about itself: the aaiti_build_info{version,revision,environment} gauge
    // on /metrics (and the gateway's span resource). SERVICE_VERSION and NODE_ENV, the seed's names;
    // an empty version is the binary's own (effective_service_version).
    std::string service_version;
    std::string environment;

    bool access_log = true;  // one JSON line per request (info level); switch off only for benchmarks
    bool builtin_routes = true;  // GET /health, /ready, /metrics
};

struct ListenAddress {
    std::string host;
    std::uint16_t port = 0;
};

// "127.0.0.1:3000", "[::1]:8080", ":3000" (host 0.0.0.0), "3000" (host 127.0.0.1).
// Throws ConfigError naming the text and the accepted forms.
ListenAddress parse_listen_address(std::string_view text);

// TRUSTED_PROXIES and METRICS_ALLOW from the configuration into `options`; throws ConfigError naming
// the key and the entry that is not an address or network. Also SERVICE_VERSION and NODE_ENV.
void apply_client_config(const Config& config, ServerOptions& options);

// options.service_version, or the version the binary was built as.
std::string effective_service_version(const ServerOptions& options);

// Throws ConfigError when an option is out of range (zero limits, zero timeouts...).
void validate(const ServerOptions& options);

}  // namespace aaiti::kit
