#pragma once
// `aaitictl health --stack FILE`: the targets of a stack file as seen from the host that runs it with
// `aaitictl compose` (published ports on 127.0.0.1).
#include <string>
#include <vector>

#include "common/config.h"
#include "healthcheck/target.h"

namespace aaiti::cli {

// Every instance of every service (`GET /health` on its published port), the PostgreSQL primary
// (the configuration's write URL), the replica when READ_DB_URL is set, and Redis.
// Throws ConfigError naming the file and key when the stack file is bad.
std::vector<health::Target> stack_health_targets(const std::string& stack_file, const Config& config);

}  // namespace aaiti::cli
