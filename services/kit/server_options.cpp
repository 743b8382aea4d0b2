#include "services/kit/server_options.h"

#include <charconv>

#include "build_info.h"
#include "common/config.h"
#include "common/error.h"

namespace aaiti::kit {

void apply_client_config(const Config& config, ServerOptions& options) {
    options.trusted_proxies = net::NetworkList::parse(config.get_or("TRUSTED_PROXIES", ""), "TRUSTED_PROXIES");
    options.metrics_allow = net::NetworkList::parse(config.get_or("METRICS_ALLOW", ServerOptions::k_default_metrics_allow),
                                                    "METRICS_ALLOW");
    options.service_version = config.get_or("SERVICE_VERSION", "");
    options.environment = config.get_or("NODE_ENV", "");
}

std::string effective_service_version(const ServerOptions& options) {
    return options.service_version.empty() ? std::string(build_info::k_version) : options.service_version;
}

ListenAddress parse_listen_address(std::string_view text) {
    auto fail = [&]() -> ListenAddress {
        throw ConfigError("listen address \"" + std::string(text) +
                          "\" is not valid; expected HOST:PORT (127.0.0.1:3000, [::1]:3000, :3000) or PORT, port 0-65535");
    };
    ListenAddress out;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return fail();
        out.host = std::string(text.substr(1, close - 1));
        port_text = text.substr(close + 2);
    } else if (auto colon = text.rfind(':'); colon != std::string_view::npos) {
        if (text.substr(0, colon).find(':') != std::string_view::npos) return fail();  // bare IPv6 needs brackets
        out.host = colon == 0 ? "0.0.0.0" : std::string(text.substr(0, colon));
        port_text = text.substr(colon + 1);
    } else {
        out.host = "127.0.0.1";
        port_text = text;
    }
    unsigned port = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (out.host.empty() || port_text.empty() || ec != std::errc{} || ptr != port_text.data() + port_text.size() || port > 65535)
        return fail();
    out.port = static_cast<std::uint16_t>(port);
    return out;
}

void validate(const ServerOptions& o) {
    auto require = [](bool ok, const char* what) {
        if (!ok) throw ConfigError(std::string("server options: ") + what);
    };
    require(!o.host.empty(), "host is empty");
    require(o.header_limit >= 1024, "header_limit must be at least 1024 bytes");
    require(o.header_limit <= 1024 * 1024, "header_limit must be at most 1 MiB");
    require(o.read_timeout.count() > 0, "read_timeout must be positive");
    require(o.idle_timeout.count() > 0, "idle_timeout must be positive");
    require(o.write_timeout.count() > 0, "write_timeout must be positive");
    require(o.readiness_timeout.count() > 0, "readiness_timeout must be positive");
    require(o.drain_timeout.count() >= 0, "drain_timeout must not be negative");
    require(o.linger_timeout.count() >= 0, "linger_timeout must not be negative");
    require(o.max_connections > 0, "max_connections must be positive");
    require(o.worker_threads > 0, "worker_threads must be positive");
    require(o.threads <= 1024, "threads must be at most 1024");
}

}  // namespace aaiti::kit
