#pragma once
// The user's configuration (common/config.h: flags > environment > stack file > defaults) as it reaches a
// generated or supervised stack. Every renderer (compose, the native supervisor) applies the same rule:
//  - a service setting the user set (RATE_LIMIT_MAX, JAEGER_ENDPOINT, SLACK_WEBHOOK, LOG_LEVEL, AUTH_*, ...)
//    is passed to every service; one from the environment (or a flag) wins over `services.<name>.environment`
//    in the stack file, which wins over the stack file's flat key (gateway.rate_limit.max);
//  - a key the stack wires between its own processes (database URLs, REDIS_URL, the upstream lists, the JWT
//    secret, TRUSTED_PROXIES, ...) keeps the stack's value: the user's is not passed, and one from the
//    environment is named in a warning that says where the stack takes it from;
//  - the alert receivers (SLACK_WEBHOOK, DISCORD_WEBHOOK, SMTP_*) also fill the stack's `alerts` section
//    (Alertmanager's configuration), with the same precedence.
// Values are never printed: secrets are shown as ****, and warnings name keys and origins only.
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "stack/stack_model.h"

namespace aaiti::stack {

struct StackSettings {
    std::vector<ConfigEntry> passed;    // reach every service, in catalogue order (flag/environment/stack_file sources)
    std::vector<std::string> warnings;  // one per wired key set in the environment or by a flag
};

// Empty when `key` is a service setting; else where the stack takes it from ("the PostgreSQL the stack runs
// (database.port, database.name, database.user; secrets_dir/db_password)").
std::string wired_by_stack(std::string_view key);

// The settings of `config` that the user set (not defaults), split as above. `verb` prefixes warnings ("up").
StackSettings stack_settings(const Config& config, const std::string& verb);

// Overlays the alert receivers set in the environment or by a flag on `stack.alerts` (the stack file already
// gave the rest: the loader reads the same alerts.* paths).
void apply_alert_settings(Stack& stack, const Config& config);

// True when a passed setting came from the caller (environment or flag), so it wins over the stack file's
// per-service environment.
bool from_caller(const ConfigEntry& entry);

}  // namespace aaiti::stack
