#include "healthcheck/gateway_discovery.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/http_client.h"
#include "common/secrets.h"

namespace aaiti::health {
namespace {

std::string without_trailing_slash(std::string url) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}

// "/api/users" -> "api-users"; "/" -> "root".
std::string name_from_prefix(const std::string& prefix) {
    std::string name;
    for (char c : prefix) {
        const bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
        if (keep) name += c;
        else if (!name.empty() && name.back() != '-') name += '-';
    }
    while (!name.empty() && name.back() == '-') name.pop_back();
    return name.empty() ? "root" : name;
}

}  // namespace

std::vector<Target> targets_from_gateway_services(const std::string& services_json, const std::string& gateway_url) {
    const std::string base = without_trailing_slash(gateway_url);
    const auto bad = [&](const std::string& why) {
        return DataError("health: --from-gateway " + mask_secrets_in_url(base) + ": /services " + why);
    };
    const auto doc = nlohmann::json::parse(services_json, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("routes") || !doc["routes"].is_array())
        throw bad("is not the gateway's services document (no \"routes\" list)");
    std::vector<Target> targets{make_target("gateway", base + "/health")};
    for (const auto& route : doc["routes"]) {
        if (!route.is_object() || !route.contains("prefix") || !route["prefix"].is_string() || !route.contains("upstreams"))
            throw bad("has a route without \"prefix\" and \"upstreams\"");
        const std::string name = name_from_prefix(route["prefix"].get<std::string>());
        const auto& upstreams = route["upstreams"];
        for (std::size_t i = 0; i < upstreams.size(); ++i) {
            if (!upstreams[i].contains("url") || !upstreams[i]["url"].is_string()) throw bad("has an upstream without \"url\"");
            const std::string target_name = upstreams.size() == 1 ? name : name + "-" + std::to_string(i + 1);
            targets.push_back(make_target(target_name, without_trailing_slash(upstreams[i]["url"].get<std::string>()) + "/health"));
        }
    }
    return targets;
}

std::vector<Target> discover_gateway_targets(const std::string& gateway_url, long timeout_ms) {
    const std::string base = without_trailing_slash(gateway_url);
    HttpClient client;
    HttpRequest request;
    request.url = base + "/services";
    request.timeout = std::chrono::milliseconds(timeout_ms);
    request.connect_timeout = std::chrono::milliseconds(timeout_ms);
    HttpResponse response;
    try {
        response = client.send(request);
    } catch (const Error& e) {
        throw UnavailableError("health: --from-gateway: cannot read " + mask_secrets_in_url(request.url) + ": " + e.what());
    }
    if (response.status != 200)
        throw UnavailableError("health: --from-gateway: " + mask_secrets_in_url(request.url) + " answered HTTP " +
                               std::to_string(response.status));
    return targets_from_gateway_services(response.body, base);
}

}  // namespace aaiti::health
