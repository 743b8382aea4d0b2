// `aaiti-auth set-role --username U --role R`: what an operator runs to make the first admin (the API
// never lets a caller give itself a role). Same store, same migrations, same audit trail as the service.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "common/error.h"
#include "common/jwt.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/stack_database.h"
#include "services/auth/auth_service.h"
#include "services/auth/config_loading.h"
#include "services/auth/revocation_publisher.h"
#include "services/auth/store.h"
#include "services/auth/validation.h"

namespace aaiti::auth {

int set_role_command(const SetRoleOptions& options) {
    if (options.role != "user" && options.role != "admin")
        throw UsageError("set-role: --role \"" + options.role + "\" is not a role; use user or admin");
    if (options.username.empty()) throw UsageError("set-role: --username is required");
    if (const auto why = control_character_violation("--username", options.username))
        throw UsageError("set-role: " + *why);
    const Config config = load_config_and_logging(options);
    AuthSettings settings = auth_settings_from_config(config, /*require_jwt_secret=*/false);
    // The store the stack's services use, found as every verb finds it (a PostgreSQL stack is no SQLite file here).
    StackDatabaseRequest request;
    request.password_file = options.password_file;
    request.state_dir = options.state_dir;
    request.url_flag.clear();
    request.sqlite_allowed = true;
    const StackDatabase database = find_stack_database(config, request);
    const std::string where = database.describe();
    if (database.kind == StackDatabase::Kind::sqlite) {
        if (!std::filesystem::exists(database.sqlite_path))
            throw DataError("set-role: there is no " + where + " (" + database.origin +
                            "); nothing to change there: start the stack (aaitictl up), or point WRITE_DB_URL or SQLITE_DB_PATH "
                            "at the store its auth service uses");
        settings.storage.kind = StorageSettings::Kind::sqlite;
        settings.storage.sqlite_path = database.sqlite_path;
    } else {
        settings.storage.kind = StorageSettings::Kind::postgres;
        settings.storage.write_url = database.write_url;
        settings.storage.read_url = database.read_url;
    }
    settings.redis_url = stack_redis_url(config, running_redis_port(database.running));
    settings.storage.pool_min = std::min(settings.storage.pool_min, 1);
    auto store = with_password_hint(database, [&] {
        try {
            return open_store(settings.storage);
        } catch (const Error& e) {
            if (std::string(e.what()).find(where) != std::string::npos || database.kind != StackDatabase::Kind::sqlite) throw;
            throw DataError("set-role: " + where + ": " + e.what());
        }
    });

    const auto user = store->user_by_username(options.username);
    if (!user) throw DataError("set-role: no user named \"" + options.username + "\" in the " + where + " (" + database.origin + ")");
    const std::int64_t now = jwt::unix_now();
    store->set_role(user->id, options.role, now);
    // Tokens carry the role: sessions opened with the old one end here, as with the API.
    const auto sids = store->revoke_user_sessions(user->id, "role_change", now);
    metrics::Registry registry;  // counted nowhere; the publisher logs its failures
    RevocationPublisher(settings.redis_url, settings.access_ttl, registry).publish(sids);

    AuditEvent event;
    event.at = now;
    event.event = "role_change";
    event.user_id = user->id;
    event.username = user->username;
    event.ip = "cli";
    event.detail = "role=" + options.role + " by aaiti-auth set-role";
    store->add_audit(event);
    std::cout << "user \"" << user->username << "\" (" << user->id << ") now has role " << options.role << " in the " << where
              << "; " << sids.size() << " session(s) revoked\n";
    return exit_code::k_ok;
}

}  // namespace aaiti::auth
