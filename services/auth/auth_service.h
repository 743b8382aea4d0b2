#pragma once
// aaiti-auth's entry points: the HTTP API on the kit (AuthService), and the two things main() runs:
// `serve` (the service) and `set_role_command` (an operator's admin subcommand).
#include <memory>
#include <string>
#include <string_view>

#include "services/auth/settings.h"

namespace aaiti::kit {
class Server;
}
namespace aaiti::metrics {
class Registry;
}

namespace aaiti::auth {

class Store;

// The /api/auth routes (see README.md for the API). Handlers that touch the database run on the
// kit's default worker pool; the ones that hash or verify a password on the pool k_password_pool
// (register_routes adds it), so a login surge queues and is refused there alone.
class AuthService {
public:
    static constexpr std::string_view k_password_pool = "password";

    AuthService(const AuthSettings& settings, std::unique_ptr<Store> store, metrics::Registry& registry);
    ~AuthService();
    AuthService(const AuthService&) = delete;
    AuthService& operator=(const AuthService&) = delete;

    // Registers every route and the "database" readiness check.
    void register_routes(kit::Server& server);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// What every subcommand shares: the stack file and logging flags.
struct CommonOptions {
    std::string config_file;  // --config; empty: ./aaiti.yaml if present
    std::string log_level;    // --log-level; empty: LOG_LEVEL
    std::string log_format;   // --log-format; empty: LOG_FORMAT if set, else json (services log JSON)
};

struct ServeOptions : CommonOptions {
    std::string listen = "127.0.0.1:3001";
    unsigned threads = 0;  // 0: one per core
};

// Loads the configuration, opens the store (migrations), serves until SIGTERM/SIGINT. Returns the exit
// code; throws aaiti::Error (ConfigError for a missing JWT_SECRET: exit 78).
int serve(const ServeOptions& options);

struct SetRoleOptions : CommonOptions {
    std::string username;
    std::string role;           // user | admin
    std::string password_file;  // --password-file: the PostgreSQL password; empty: as every verb finds it
    std::string state_dir;      // --state-dir: the running stack's; empty: .aaiti beside the stack file
};

// `aaiti-auth set-role`: applies migrations, sets the role, revokes the user's sessions, audits it. The store is
// the one the stack's services use (common/stack_database.h: WRITE_DB_URL, DB_HOST, SQLITE_DB_PATH, else the
// stack running beside the stack file), named in every message; a SQLite file that does not exist is not made.
// Throws UsageError for a role that does not exist, DataError for an unknown user or a missing SQLite file.
int set_role_command(const SetRoleOptions& options);

}  // namespace aaiti::auth
