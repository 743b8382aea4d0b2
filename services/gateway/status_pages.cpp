#include "services/gateway/status_pages.h"

#include "services/kit/response.h"

namespace aaiti::gateway {

std::string services_json(const RouteTable& table, Balance balance) {
    const auto now = Clock::now();
    std::string out = "{\"balance\":" + kit::json_quote(to_string(balance)) + ",\"routes\":[";
    bool first_route = true;
    for (const auto& r : table.routes()) {
        if (!first_route) out += ',';
        first_route = false;
        out += "{\"prefix\":" + kit::json_quote(r.prefix) + ",\"upstreams\":[";
        bool first = true;
        for (const Upstream* u : r.upstreams) {
            if (!first) out += ',';
            first = false;
            out += "{\"url\":" + kit::json_quote(u->address().url) + ",\"state\":" + kit::json_quote(to_string(u->state(now))) +
                   ",\"active\":" + std::to_string(u->active()) + ",\"requests\":" + std::to_string(u->requests()) +
                   ",\"errors\":" + std::to_string(u->errors()) + "}";
        }
        out += "]}";
    }
    out += "]}";
    return out;
}

HealthPage health_services_json(const RouteTable& table) {
    const auto now = Clock::now();
    HealthPage page;
    std::string services;
    for (const auto& r : table.routes()) {
        std::size_t up = 0;
        for (const Upstream* u : r.upstreams) up += u->available(now) ? 1 : 0;
        if (up == 0) page.all_routes_served = false;
        if (!services.empty()) services += ',';
        services += kit::json_quote(r.prefix) + ":{\"status\":" + (up > 0 ? "\"up\"" : "\"down\"") +
                    ",\"upstreams_up\":" + std::to_string(up) + ",\"upstreams\":" + std::to_string(r.upstreams.size()) + "}";
    }
    page.body = std::string("{\"status\":") + (page.all_routes_served ? "\"ok\"" : "\"degraded\"") + ",\"services\":{" + services + "}}";
    return page;
}

}  // namespace aaiti::gateway
