#pragma once
// --from-gateway URL: targets from a running aaiti-gateway's `GET /services` document
// ({"routes":[{"prefix":"/api/users","upstreams":[{"url":"http://127.0.0.1:3001",...}]}]}).
// Each upstream becomes `<prefix as name>[-N]` probing `<upstream>/health` (what the gateway itself
// checks); the gateway becomes `gateway` probing `<URL>/health`.
#include <string>
#include <vector>

#include "healthcheck/target.h"

namespace aaiti::health {

// Throws DataError naming the gateway when the document is not a /services answer.
std::vector<Target> targets_from_gateway_services(const std::string& services_json, const std::string& gateway_url);

// GETs <gateway_url>/services (bounded by `timeout_ms`) and builds the targets; throws
// UnavailableError naming the gateway when it cannot be reached or does not answer 200.
std::vector<Target> discover_gateway_targets(const std::string& gateway_url, long timeout_ms);

}  // namespace aaiti::health
