#include "services/gateway/gateway_options.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "common/config.h"
#include "common/error.h"

namespace aaiti::gateway {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::vector<UpstreamAddress> parse_upstream_list(std::string_view csv, std::string_view what) {
    std::vector<UpstreamAddress> out;
    while (!csv.empty()) {
        auto comma = csv.find(',');
        std::string_view item = trim(csv.substr(0, comma));
        if (!item.empty()) out.push_back(parse_upstream_url(item));
        if (comma == std::string_view::npos) break;
        csv.remove_prefix(comma + 1);
    }
    if (out.empty()) throw ConfigError(std::string(what) + ": no upstream URL given; expected http://host:port[,http://host:port...]");
    return out;
}

struct SeedRoute {
    const char* prefix;
    const char* key;
};
constexpr SeedRoute k_seed_routes[] = {
    {"/api/auth", "AUTH_SERVICE_URL"},       {"/api/trading", "TRADING_SERVICE_URL"},
    {"/api/analytics", "ANALYTICS_SERVICE_URL"}, {"/api/ml", "ML_SERVICE_URL"},
    {"/api/notifications", "NOTIFICATION_SERVICE_URL"}, {"/api/users", "USER_SERVICE_URL"},
};

}  // namespace

Balance parse_balance(std::string_view text) {
    if (text == "round-robin") return Balance::round_robin;
    if (text == "least-conn") return Balance::least_conn;
    throw ConfigError("--balance \"" + std::string(text) + "\" is not known; use round-robin or least-conn");
}

std::string_view to_string(Balance balance) { return balance == Balance::least_conn ? "least-conn" : "round-robin"; }

UpstreamAddress parse_upstream_url(std::string_view url) {
    auto bad = [&](std::string_view why) {
        return ConfigError("upstream \"" + std::string(url) + "\": " + std::string(why) + "; expected http://host:port");
    };
    constexpr std::string_view scheme = "http://";
    if (url.substr(0, scheme.size()) != scheme) throw bad("only http:// upstreams are supported");
    std::string_view rest = url.substr(scheme.size());
    if (auto slash = rest.find('/'); slash != std::string_view::npos) {
        if (rest.substr(slash) != "/") throw bad("a path is not supported (the request path is forwarded as is)");
        rest = rest.substr(0, slash);
    }
    if (rest.find('@') != std::string_view::npos) throw bad("credentials are not supported");
    UpstreamAddress a;
    std::string_view host = rest, port_text;
    if (!rest.empty() && rest.front() == '[') {
        auto close = rest.find(']');
        if (close == std::string_view::npos) throw bad("unclosed IPv6 bracket");
        host = rest.substr(1, close - 1);
        if (close + 1 < rest.size()) {
            if (rest[close + 1] != ':') throw bad("junk after the IPv6 address");
            port_text = rest.substr(close + 2);
        }
    } else if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
        host = rest.substr(0, colon);
        port_text = rest.substr(colon + 1);
    }
    if (host.empty()) throw bad("no host");
    a.host = host;
    if (!port_text.empty()) {
        unsigned port = 0;
        auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535)
            throw bad("bad port \"" + std::string(port_text) + "\"");
        a.port = static_cast<std::uint16_t>(port);
    }
    const bool v6 = a.host.find(':') != std::string::npos;
    a.url = "http://" + (v6 ? "[" + a.host + "]" : a.host) + ":" + std::to_string(a.port);
    return a;
}

RouteSpec parse_route(std::string_view text) {
    auto eq = text.find('=');
    if (eq == std::string_view::npos || eq == 0)
        throw ConfigError("--route \"" + std::string(text) + "\": expected PREFIX=URL[,URL...], e.g. /api/trading=http://127.0.0.1:3002");
    RouteSpec r;
    r.prefix = trim(text.substr(0, eq));
    if (r.prefix.empty() || r.prefix.front() != '/')
        throw ConfigError("--route \"" + std::string(text) + "\": the prefix must start with '/'");
    while (r.prefix.size() > 1 && r.prefix.back() == '/') r.prefix.pop_back();
    std::string_view targets = text.substr(eq + 1);
    const auto semicolon = targets.find(';');
    std::string_view policy = semicolon == std::string_view::npos ? std::string_view() : targets.substr(semicolon + 1);
    targets = targets.substr(0, semicolon);
    r.upstreams = parse_upstream_list(targets, "--route " + r.prefix);
    while (!policy.empty()) {
        const auto next = policy.find(';');
        const std::string word(trim(policy.substr(0, next)));
        if (word == "public") r.public_access = true;
        else if (word == "unlimited") r.rate_limited = false;
        else if (!word.empty())
            throw ConfigError("--route " + r.prefix + ": unknown option \"" + word + "\"; expected public or unlimited");
        policy = next == std::string_view::npos ? std::string_view() : policy.substr(next + 1);
    }
    return r;
}

std::vector<RouteSpec> seed_routes(const Config& config) {
    std::vector<RouteSpec> routes;
    for (const auto& s : k_seed_routes) {
        RouteSpec r;
        r.prefix = s.prefix;
        r.upstreams = parse_upstream_list(config.get_or(s.key, ""), s.key);
        routes.push_back(std::move(r));
    }
    return routes;
}

GatewayOptions options_from_config(const Config& config) {
    GatewayOptions o;
    o.routes = seed_routes(config);
    o.jwt_secret = config.get_or("JWT_SECRET", "");
    o.jwt_previous_secrets = config.get_or("JWT_PREVIOUS_SECRETS", "");
    o.redis_url = config.get_or("REDIS_URL", "");
    o.rate_limit_window = config.get_duration("RATE_LIMIT_WINDOW");
    o.rate_limit_max = config.get_int("RATE_LIMIT_MAX");
    o.jaeger_endpoint = config.get_or("JAEGER_ENDPOINT", "");
    kit::apply_client_config(config, o.server);
    return o;
}

void validate(const GatewayOptions& o) {
    kit::validate(o.server);
    if (o.routes.empty()) throw ConfigError("gateway: no routes; give --route PREFIX=URL or the *_SERVICE_URL settings");
    std::set<std::string> prefixes;
    for (const auto& r : o.routes)
        if (!prefixes.insert(r.prefix).second) throw ConfigError("gateway: route prefix " + r.prefix + " is given twice");
    if (o.auth_enabled && o.jwt_secret.empty())
        throw ConfigError("JWT_SECRET is not set; the gateway verifies tokens at the edge and needs the secret aaiti-auth signs with");
    if (o.rate_limit_enabled && (o.rate_limit_max < 1 || o.rate_limit_window.count() < 1000))
        throw ConfigError(
            "RATE_LIMIT_MAX must be >= 1 and RATE_LIMIT_WINDOW >= 1s (a bare number is milliseconds: 900000 is 15 minutes)");
    if (!o.jaeger_endpoint.empty()) check_trace_endpoint(o.jaeger_endpoint, "the gateway's options");
    if (o.health_fall < 1 || o.health_rise < 1 || o.eject_after_errors < 1)
        throw ConfigError("gateway: health fall/rise and eject thresholds must be >= 1");
    if (o.health_path.empty() || o.health_path.front() != '/' ||
        o.health_path.find_first_of(" \r\n?#") != std::string::npos)
        throw ConfigError("gateway: health path \"" + o.health_path + "\" must be an absolute path such as /ready");
    if (o.connect_timeout.count() <= 0 || o.response_timeout.count() <= 0 || o.health_interval.count() <= 0)
        throw ConfigError("gateway: timeouts and the health interval must be positive");
}

}  // namespace aaiti::gateway
