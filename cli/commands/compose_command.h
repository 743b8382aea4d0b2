#pragma once
// `aaitictl compose generate [--profile P]... [--out DIR]`: renders the stack file into docker-compose,
// HAProxy, Prometheus, Alertmanager, Grafana and Dockerfiles (stack/generate.h).
#include <memory>

#include "commands/command.h"

namespace aaiti::cli {

std::unique_ptr<Command> make_compose_command();

}  // namespace aaiti::cli
