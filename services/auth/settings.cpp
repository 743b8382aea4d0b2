#include "services/auth/settings.h"

#include <algorithm>
#include <thread>

#include "common/config.h"
#include "common/error.h"
#include "common/jwt.h"

namespace aaiti::auth {
namespace {

std::chrono::seconds whole_seconds(const Config& config, std::string_view key) {
    const auto ms = config.get_duration(key);
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(ms);
    if (s.count() < 1) throw ConfigError(std::string(key) + ": must be at least 1s");
    return s;
}

}  // namespace

std::size_t default_hash_concurrency(unsigned cores) {
    // argon2id keeps a core busy for the whole hash: one per core would leave the I/O threads and the
    // database routes (profile, verify, refresh) only what the scheduler spares them during a surge,
    // which is how fifty logins once made the probes time out. One core stays for them.
    return cores > 1 ? cores - 1 : 1;
}

StorageSettings storage_settings_from_config(const Config& config) {
    StorageSettings s;
    // PostgreSQL when WRITE_DB_URL is set, or when DB_HOST is given (not just defaulted): the seed's way, and
    // what the generated docker-compose file does (DB_HOST=postgres-primary, DB_PASSWORD_FILE=/run/secrets/...).
    const ConfigEntry* host = config.entry("DB_HOST");
    const bool host_given = host && host->origin != "default";
    if (config.get("WRITE_DB_URL") || host_given) {
        s.kind = StorageSettings::Kind::postgres;
        s.write_url = config.write_db_url();
        s.read_url = config.read_db_url();
    } else {
        s.kind = StorageSettings::Kind::sqlite;
        s.sqlite_path = config.get_or("SQLITE_DB_PATH", "data/aaiti.sqlite");
    }
    s.pool_min = static_cast<int>(config.get_int("DB_POOL_MIN"));
    s.pool_max = static_cast<int>(config.get_int("DB_POOL_MAX"));
    if (s.pool_min > s.pool_max)
        throw ConfigError("DB_POOL_MIN (" + std::to_string(s.pool_min) + ") is larger than DB_POOL_MAX (" +
                          std::to_string(s.pool_max) + "); set DB_POOL_MIN <= DB_POOL_MAX");
    return s;
}

AuthSettings auth_settings_from_config(const Config& config, bool require_jwt_secret) {
    AuthSettings a;
    a.storage = storage_settings_from_config(config);
    a.jwt_secret = config.get_or("JWT_SECRET", "");
    if (require_jwt_secret && a.jwt_secret.empty())
        throw ConfigError(
            "JWT_SECRET is not set: aaiti-auth cannot sign tokens without it; set JWT_SECRET (or JWT_SECRET_FILE, or "
            "auth.jwt_secret in aaiti.yaml) to a long random value, e.g. `openssl rand -hex 32`");
    a.jwt_previous_secrets = config.get_or("JWT_PREVIOUS_SECRETS", "");
    // Weak or placeholder secrets are refused here, before the store is opened, so a bad secret says
    // so (exit 78) even while the database is unreachable (which would otherwise be reported first).
    if (require_jwt_secret) (void)jwt::KeySet::from_config(a.jwt_secret, a.jwt_previous_secrets);
    a.access_ttl = whole_seconds(config, "JWT_ACCESS_EXPIRES_IN");
    a.refresh_ttl = whole_seconds(config, "JWT_EXPIRES_IN");
    a.password_cost = parse_password_cost(config.get_or("AUTH_PASSWORD_COST", "interactive"));
    a.lockout_max_failures = static_cast<int>(std::max<std::int64_t>(1, config.get_int("AUTH_LOCKOUT_MAX_FAILURES")));
    a.lockout_duration = whole_seconds(config, "AUTH_LOCKOUT_DURATION");
    a.redis_url = config.get_or("REDIS_URL", "");
    const auto concurrency = config.get_int("AUTH_HASH_CONCURRENCY");
    a.hash_concurrency = concurrency > 0 ? static_cast<std::size_t>(concurrency)
                                         : default_hash_concurrency(std::thread::hardware_concurrency());
    a.hash_queue = static_cast<std::size_t>(std::max<std::int64_t>(0, config.get_int("AUTH_HASH_QUEUE")));
    return a;
}

}  // namespace aaiti::auth
