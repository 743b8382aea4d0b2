#pragma once
// State shared by the acceptor (server.cpp), the connections (session.cpp) and the built-in routes.
// Free of Asio so the non-Beast TUs can include it.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/metrics.h"
#include "services/kit/readiness.h"
#include "services/kit/router.h"
#include "services/kit/server_options.h"
#include "services/kit/worker_pool.h"
#include "services/kit/internal/http_metrics.h"

namespace aaiti::kit::internal {

// A named worker pool: its size, the pool itself once the server has started, and its metric children.
struct WorkerPoolSlot {
    std::string name;
    std::size_t threads = 1;
    std::size_t queue_capacity = 0;
    int nice = 0;
    std::unique_ptr<WorkerPool> pool;  // created by Server::start()
    metrics::Gauge* queued = nullptr;
    metrics::Counter* rejected = nullptr;
};

struct ServerCore {
    explicit ServerCore(ServerOptions o) : options(std::move(o)), http_metrics(registry) {}

    ServerOptions options;
    Router router;
    ReadinessChecks readiness;
    metrics::Registry registry;
    HttpMetrics http_metrics;
    // The worker pools; [0] is the default one. Slots never move (endpoints point at them).
    std::vector<std::unique_ptr<WorkerPoolSlot>> pools;
    WorkerPoolSlot* find_pool(std::string_view name) const {
        for (const auto& p : pools)
            if (p->name == name) return p.get();
        return nullptr;
    }
    // Server::fallback_async: serves paths no route matches (empty: 404).
    Endpoint fallback;
    std::string fallback_route;
    // Metrics cache id of the fallback route (distinct from every router id and from k_unmatched).
    static constexpr std::uint32_t k_fallback_route_id = 0xFFFFFF;

    std::atomic<bool> draining{false};
    std::atomic<std::size_t> open_connections{0};
    // Each I/O thread's in-flight counter (ThreadState::in_flight), set before the threads start.
    std::vector<const std::atomic<std::int64_t>*> in_flight_per_thread;
};

// Registers GET /health, /ready and /metrics.
void add_builtin_routes(ServerCore& core);

}  // namespace aaiti::kit::internal
