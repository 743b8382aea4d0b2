#pragma once
// What aaiti-auth reads from the configuration (common/config.h), checked once at start so a bad value
// stops the service with exit 78 instead of failing the first request.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "services/auth/password.h"

namespace aaiti {
class Config;
}

namespace aaiti::auth {

struct StorageSettings {
    enum class Kind { sqlite, postgres };
    Kind kind = Kind::sqlite;
    std::string sqlite_path;  // SQLITE_DB_PATH
    std::string write_url;    // WRITE_DB_URL
    std::string read_url;     // READ_DB_URL, else write_url
    int pool_min = 2;         // DB_POOL_MIN
    int pool_max = 10;        // DB_POOL_MAX
    std::string application_name = "aaiti-auth";
};

struct AuthSettings {
    StorageSettings storage;
    std::string jwt_secret;            // JWT_SECRET (required to serve)
    std::string jwt_previous_secrets;  // JWT_PREVIOUS_SECRETS, comma-separated
    std::chrono::seconds access_ttl{15 * 60};             // JWT_ACCESS_EXPIRES_IN
    std::chrono::seconds refresh_ttl{7 * 24 * 60 * 60};  // JWT_EXPIRES_IN (refresh tokens = sessions)
    PasswordCost password_cost = PasswordCost::interactive;  // AUTH_PASSWORD_COST
    int lockout_max_failures = 5;                            // per account; per IP it is 4x this
    std::chrono::seconds lockout_duration{15 * 60};          // AUTH_LOCKOUT_DURATION
    std::string redis_url;                                   // REDIS_URL (revocations for the gateway)
    // Requests that hash or verify a password (login, register, change-password) run on a worker pool
    // of their own, so a login surge queues and is refused there while every other route keeps its
    // threads. hash_concurrency: threads of that pool (AUTH_HASH_CONCURRENCY; its 0 = one per core
    // but one, at least one: a core stays free for the I/O threads and the other routes).
    // hash_queue: requests waiting for one of them (AUTH_HASH_QUEUE); beyond it 503 + Retry-After.
    std::size_t hash_concurrency = 1;
    std::size_t hash_queue = 32;
    // The hashing threads' niceness: when the I/O threads or the database routes want the CPU, a
    // hash waits (it costs a login some milliseconds; the other way round it cost every request the
    // length of a queue of hashes). Idle CPU still goes to the hashes.
    int hash_nice = 10;
};

// AUTH_HASH_CONCURRENCY's 0 on a machine with `cores` cores.
std::size_t default_hash_concurrency(unsigned cores);

// Storage only (the admin subcommand needs no JWT secret). PostgreSQL when WRITE_DB_URL is set, else SQLite.
StorageSettings storage_settings_from_config(const Config& config);

// Everything; `require_jwt_secret` makes a missing JWT_SECRET a ConfigError (exit 78) with the fix.
AuthSettings auth_settings_from_config(const Config& config, bool require_jwt_secret = true);

}  // namespace aaiti::auth
