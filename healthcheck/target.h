#pragma once
// What `aaitictl health` watches: a named URL whose scheme picks the probe.
//   http://, https://            GET, conditions on status, latency, body, JSON fields, certificate
//   postgresql://, postgres://   connect + SELECT 1 (and replication lag on a standby)
//   redis://                     PING (AUTH/SELECT from the URL)
//   redis-sentinel://            the same on the master the sentinels name (ROLE-confirmed)
//   tcp://host:port              a TCP connect
#include <string>
#include <string_view>

namespace aaiti::health {

enum class ProbeKind { http, postgres, redis, tcp };
std::string_view to_string(ProbeKind kind);

struct Target {
    std::string name;  // [A-Za-z0-9._-]+, unique within a run
    std::string url;   // as given (may hold a password: show it through mask_secrets_in_url)
    ProbeKind kind = ProbeKind::http;
    std::string host;  // from the URL, for TCP-level probes and messages
    int port = 0;      // the URL's port or the scheme's default
};

// Builds a target; throws UsageError naming the target and the URL problem (unknown scheme, no
// host, bad port, a name with characters outside [A-Za-z0-9._-]).
Target make_target(std::string name, std::string url);

// "NAME=URL" as given to --target; throws UsageError when the '=' or a part is missing.
Target parse_target_spec(std::string_view spec);

}  // namespace aaiti::health
