#pragma once
// The seed's production stack: gateway :3000, services :3001-3006, PostgreSQL primary + streaming
// replica, Redis, HAProxy, Prometheus, Alertmanager, Grafana :3007, Jaeger. What `aaitictl init` writes and
// what every key missing from aaiti.yaml falls back to.
#include <string>

#include "stack/stack_model.h"

namespace aaiti::stack {

// `base_dir` is the stack file's directory: default relative paths (secrets/, data/backups) resolve
// against it, and it is the default source tree for the Dockerfiles.
Stack default_stack(const std::string& base_dir);

// `relative` resolved against `base` (absolute, normalised, no trailing '/'); an absolute `relative` stays.
std::string resolve_path(const std::string& base, const std::string& relative);

}  // namespace aaiti::stack
