#include "healthcheck/target.h"

#include <curl/curl.h>

#include <cctype>
#include <memory>

#include "common/error.h"
#include "common/redis.h"
#include "common/secrets.h"

namespace aaiti::health {
namespace {

bool valid_name(std::string_view name) {
    if (name.empty() || name.size() > 128) return false;
    for (char c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return false;
    return true;
}

struct UrlDeleter {
    void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

std::string url_part(CURLU* url, CURLUPart part) {
    char* value = nullptr;
    if (curl_url_get(url, part, &value, 0) != CURLUE_OK || value == nullptr) return {};
    std::string text(value);
    curl_free(value);
    return text;
}

int default_port(ProbeKind kind, std::string_view scheme) {
    switch (kind) {
    case ProbeKind::http: return scheme == "https" ? 443 : 80;
    case ProbeKind::postgres: return 5432;
    case ProbeKind::redis: return 6379;
    case ProbeKind::tcp: return 0;
    }
    return 0;
}

}  // namespace

std::string_view to_string(ProbeKind kind) {
    switch (kind) {
    case ProbeKind::http: return "http";
    case ProbeKind::postgres: return "postgres";
    case ProbeKind::redis: return "redis";
    case ProbeKind::tcp: return "tcp";
    }
    return "?";
}

Target make_target(std::string name, std::string url) {
    const std::string shown = mask_secrets_in_url(url);
    if (!valid_name(name))
        throw UsageError("health: target name \"" + name + "\" is not valid; use letters, digits, '.', '_' and '-'");
    const auto bad = [&](const std::string& why) {
        return UsageError("health: target " + name + ": URL \"" + shown + "\" " + why);
    };
    // redis-sentinel://s1,s2/master: curl's parser refuses the host list; the Redis URL parser knows it.
    // The target's host and port are the first sentinel's; the probe asks the sentinels for the master.
    if (url.rfind("redis-sentinel://", 0) == 0) {
        redis::Address address;
        try {
            address = redis::parse_url(url);
        } catch (const ConfigError& e) {
            throw bad(std::string("is not valid: ") + e.what());
        }
        Target target;
        target.kind = ProbeKind::redis;
        target.host = address.sentinels.front().host;
        target.port = address.sentinels.front().port;
        target.name = std::move(name);
        target.url = std::move(url);
        return target;
    }
    std::unique_ptr<CURLU, UrlDeleter> parsed(curl_url());
    // NON_SUPPORT_SCHEME: curl does not know postgresql:// or tcp://, we still want its parser.
    if (curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
        throw bad("is malformed; expected SCHEME://HOST[:PORT][/PATH]");
    const std::string scheme = url_part(parsed.get(), CURLUPART_SCHEME);
    if (url.find("://") == std::string::npos)
        throw bad("has no scheme; expected http://, https://, postgresql://, redis://, redis-sentinel:// or tcp://");
    Target target;
    if (scheme == "http" || scheme == "https") target.kind = ProbeKind::http;
    else if (scheme == "postgresql" || scheme == "postgres") target.kind = ProbeKind::postgres;
    else if (scheme == "redis") target.kind = ProbeKind::redis;
    else if (scheme == "tcp") target.kind = ProbeKind::tcp;
    else throw bad("has an unsupported scheme \"" + scheme + "\"; use http, https, postgresql, redis, redis-sentinel or tcp");
    target.host = url_part(parsed.get(), CURLUPART_HOST);
    if (target.host.empty()) throw bad("has no host");
    const std::string port = url_part(parsed.get(), CURLUPART_PORT);
    target.port = port.empty() ? default_port(target.kind, scheme) : std::stoi(port);  // curl checked 1..65535
    if (target.port <= 0) throw bad("needs a port (tcp://HOST:PORT)");
    target.name = std::move(name);
    target.url = std::move(url);
    return target;
}

Target parse_target_spec(std::string_view spec) {
    const auto eq = spec.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == spec.size())
        throw UsageError("health: --target \"" + mask_secrets_in_url(spec) + "\" is not NAME=URL");
    return make_target(std::string(spec.substr(0, eq)), std::string(spec.substr(eq + 1)));
}

}  // namespace aaiti::health
