#pragma once
// Prefix routes and the choice of an upstream for a request: longest prefix wins; round-robin or
// least-connections among the route's available upstreams. Read-only after construction; the
// round-robin cursor lives in the caller's per-I/O-thread state, so picking takes no lock.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "services/gateway/upstream.h"

namespace aaiti::gateway {

struct Route {
    std::size_t index = 0;
    std::string prefix;
    std::vector<Upstream*> upstreams;
    bool public_access = false;  // RouteSpec's policy
    bool rate_limited = true;
};

class RouteTable {
public:
    // Upstreams with the same URL in several routes are one Upstream (one health state).
    RouteTable(const std::vector<RouteSpec>& specs, const HealthPolicy& policy);

    // The route whose prefix is the longest match: "/api/trading" matches "/api/trading",
    // "/api/trading/orders" and "/api/trading?x", never "/api/tradingfoo". nullptr when none does.
    const Route* match(std::string_view path) const noexcept;

    const std::vector<Route>& routes() const noexcept { return routes_; }  // in the order given
    const std::vector<std::unique_ptr<Upstream>>& upstreams() const noexcept { return upstreams_; }

private:
    std::vector<std::unique_ptr<Upstream>> upstreams_;
    std::vector<Route> routes_;
    std::vector<const Route*> by_length_;  // longest prefix first
};

// An available upstream of `route` other than `exclude`, or nullptr when none is (circuit open).
// `cursor` is the caller's round-robin position for this route (advanced here).
Upstream* pick_upstream(const Route& route, Balance balance, std::size_t& cursor, const Upstream* exclude,
                        Clock::time_point now) noexcept;

}  // namespace aaiti::gateway
