#include "services/gateway/route_table.h"

#include <algorithm>
#include <map>

namespace aaiti::gateway {

RouteTable::RouteTable(const std::vector<RouteSpec>& specs, const HealthPolicy& policy) {
    std::map<std::string, Upstream*> by_url;
    routes_.reserve(specs.size());
    for (const auto& spec : specs) {
        Route route;
        route.index = routes_.size();
        route.prefix = spec.prefix;
        route.public_access = spec.public_access;
        route.rate_limited = spec.rate_limited;
        for (const auto& address : spec.upstreams) {
            auto [it, fresh] = by_url.emplace(address.url, nullptr);
            if (fresh) {
                upstreams_.push_back(std::make_unique<Upstream>(upstreams_.size(), address, policy));
                it->second = upstreams_.back().get();
            }
            if (std::find(route.upstreams.begin(), route.upstreams.end(), it->second) == route.upstreams.end())
                route.upstreams.push_back(it->second);
        }
        routes_.push_back(std::move(route));
    }
    for (const auto& r : routes_) by_length_.push_back(&r);
    std::stable_sort(by_length_.begin(), by_length_.end(),
                     [](const Route* a, const Route* b) { return a->prefix.size() > b->prefix.size(); });
}

const Route* RouteTable::match(std::string_view path) const noexcept {
    for (const Route* r : by_length_) {
        const std::string& p = r->prefix;
        if (p == "/") return r;
        if (path.size() < p.size() || path.compare(0, p.size(), p) != 0) continue;
        if (path.size() == p.size() || path[p.size()] == '/' || path[p.size()] == '?') return r;
    }
    return nullptr;
}

Upstream* pick_upstream(const Route& route, Balance balance, std::size_t& cursor, const Upstream* exclude,
                        Clock::time_point now) noexcept {
    const std::size_t n = route.upstreams.size();
    if (n == 0) return nullptr;
    const std::size_t start = cursor++ % n;
    Upstream* best = nullptr;
    for (std::size_t i = 0; i < n; ++i) {
        Upstream* u = route.upstreams[(start + i) % n];
        if (u == exclude || !u->available(now)) continue;
        if (balance == Balance::round_robin) return u;
        // Least connections; ties go to the first in round-robin order so equal loads still rotate.
        if (!best || u->active() < best->active()) best = u;
    }
    if (best) return best;
    // Nothing available: an upstream ejected for errors (not unreachable, not down) still gets the
    // request rather than a 503 for everyone; the circuit opens only when none answers at all.
    for (std::size_t i = 0; i < n; ++i) {
        Upstream* u = route.upstreams[(start + i) % n];
        if (u != exclude && u->panic_eligible(now)) return u;
    }
    return nullptr;
}

}  // namespace aaiti::gateway
