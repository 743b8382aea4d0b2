#pragma once
// aaiti-gateway: the API gateway on the kit. Routes /api/<service>/... by longest prefix to the
// service's upstreams (round-robin or least-connections), checks JWTs and rate limits at the edge,
// health-checks and ejects upstreams, and serves /health, /health/services, /services, /metrics.
// See services/gateway/README.md.
#include <cstdint>
#include <memory>
#include <string>

#include "services/gateway/gateway_options.h"

namespace aaiti::kit {
class Server;
}

namespace aaiti::gateway {

class Gateway {
public:
    // Validates the options and resolves the upstreams; throws ConfigError.
    explicit Gateway(GatewayOptions options);
    ~Gateway();  // stop()
    Gateway(const Gateway&) = delete;
    Gateway& operator=(const Gateway&) = delete;

    void start();  // listens, starts health checks; returns at once
    void stop();   // graceful: drains in-flight requests; idempotent
    int run();     // start(), wait for SIGTERM/SIGINT, stop(); returns 0
    std::uint16_t port() const;
    std::string base_url() const;
    kit::Server& server();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace aaiti::gateway
