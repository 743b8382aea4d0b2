#include "health_stack_targets.h"

#include <filesystem>

#include "common/secrets.h"
#include "stack/stack_loader.h"

namespace aaiti::cli {

std::vector<health::Target> stack_health_targets(const std::string& stack_file, const Config& config) {
    const stack::Stack s = stack::load_stack_file(stack_file);
    std::vector<health::Target> targets;
    for (const auto& service : s.services) {
        const auto names = stack::instance_names(service);
        for (std::size_t i = 0; i < names.size(); ++i) {
            // Where compose publishes instance i and the native supervisor runs it.
            const int port = stack::instance_host_port(service, static_cast<int>(i));
            targets.push_back(health::make_target(names[i], "http://127.0.0.1:" + std::to_string(port) + "/health"));
        }
    }
    // DB_* come from the same stack file (the configuration was loaded with it), with the password.
    targets.push_back(health::make_target("postgres", config.write_db_url()));
    if (const auto replica = config.get("READ_DB_URL")) targets.push_back(health::make_target("postgres-replica", *replica));
    const ConfigEntry* redis = config.entry("REDIS_URL");
    const bool redis_given = redis != nullptr && redis->source != ConfigSource::default_value && !redis->value.empty();
    // Else the stack's Redis on its published port, with the password `up` and compose give it (secrets_dir/redis_password).
    std::string redis_url = "redis://127.0.0.1:" + std::to_string(s.redis.port);
    if (const std::string file = s.secrets_dir + "/redis_password"; !redis_given && std::filesystem::exists(file))
        redis_url = "redis://:" + percent_encode(read_secret_file(file, "secrets_dir/redis_password")) + "@127.0.0.1:" + std::to_string(s.redis.port);
    targets.push_back(health::make_target("redis", redis_given ? redis->value : redis_url));
    return targets;
}

}  // namespace aaiti::cli
