#pragma once
// The gateway's discovery pages: GET /services (routes, upstreams, states, counters) and
// GET /health/services (per route: served or not; 503 when any route has no upstream up).
#include <string>

#include "services/gateway/route_table.h"

namespace aaiti::gateway {

// {"balance":"round-robin","routes":[{"prefix":"/api/auth","upstreams":[{"url":"http://...","state":"up",
//  "active":0,"requests":12,"errors":0}]}]}
std::string services_json(const RouteTable& table, Balance balance);

struct HealthPage {
    bool all_routes_served = true;
    std::string body;  // {"status":"ok|degraded","services":{"/api/auth":{"status":"up|down","upstreams_up":1,"upstreams":1}}}
};
HealthPage health_services_json(const RouteTable& table);

}  // namespace aaiti::gateway
