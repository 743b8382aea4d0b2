#pragma once
// `aaitictl health --stack FILE`: the targets of a stack file as seen from the host that runs it. When the
// native runtime runs it (`aaitictl up`, state under .aaiti/ beside the file): what really runs, as `aaitictl ps`
// shows it, with the database's credentials and the primary wherever a failover put it. Else (docker compose,
// or servers run by someone else): the planned services on their published ports on 127.0.0.1.
#include <map>
#include <string>
#include <vector>

#include "common/config.h"
#include "healthcheck/target.h"

namespace aaiti::cli {

struct StackHealthTargets {
    std::vector<health::Target> targets;
    // When no PostgreSQL password was found: what to say, by target name, for a probe refused for lack of one.
    std::map<std::string, std::string> missing_password_messages;
};

// Running natively: every process of the state file but those with no native form and a retired primary;
// services and the gateway `GET /health`, HAProxy `GET /health` through it, Prometheus and Alertmanager
// `GET /-/ready`, each PostgreSQL node (the primary as the write URL), Redis.
// Otherwise: every instance of every service (`GET /health` on its published port), the PostgreSQL primary
// (the write URL), the replica when READ_DB_URL is set, and Redis.
// The PostgreSQL password as every verb finds it (common/stack_database.h; `password_file`: --password-file).
// Throws ConfigError naming the file and key when the stack file is bad.
StackHealthTargets stack_health_targets(const std::string& stack_file, const Config& config, const std::string& password_file = "");

}  // namespace aaiti::cli
