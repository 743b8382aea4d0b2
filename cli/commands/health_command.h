#pragma once
// `aaitictl health`: probe targets concurrently, track incidents, alert; see man/aaitictl-health.1.
#include <memory>

#include "commands/command.h"

namespace aaiti::cli {

std::unique_ptr<Command> make_health_command();

}  // namespace aaiti::cli
