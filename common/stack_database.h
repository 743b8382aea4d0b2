#pragma once
// How every client of a stack finds its database and the credentials for it, in one place: the aaitictl
// verbs that talk to PostgreSQL (backup, restore, health --stack, db) and `aaiti-auth set-role`.
//
// The password: one inside the URL (--db or WRITE_DB_URL) is used as it is; else the first found of
//   1. the verb's --password-file flag
//   2. DB_PASSWORD / DB_PASSWORD_FILE (flag, environment, database.password(_file) in the stack file)
//   3. <secrets_dir>/db_password of the stack file (what `aaitictl init`/`up` make; secrets_dir defaults
//      to secrets/ beside the stack file, or ./secrets without one)
// The server: --db, else WRITE_DB_URL, else DB_HOST/DB_PORT given in the environment or a flag, else the
// primary of the stack the native runtime runs beside the stack file (<state dir>/state.json, which names
// the node that is primary, also after a failover), else DB_HOST/DB_PORT from the stack file or defaults.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace aaiti {

class Config;

// What the native supervisor publishes about a running stack (<state dir>/state.json), as much as a
// client of the stack needs. The supervisor's lock tells whether it is alive.
struct RunningStack {
    struct Process {
        std::string name;
        int port = 0;
        std::string health;  // healthy, starting, unhealthy, unavailable, not_ready
        std::string detail;  // "primary", "replica", "retired: ..."
    };
    std::string state_dir;
    std::string database_primary;  // node name ("postgres", "postgres-replica"); empty: the embedded default (SQLite)
    int primary_port = 0;          // that node's port
    std::vector<std::string> profiles;
    std::vector<Process> processes;
    const Process* find(std::string_view name) const;
};

// The stack whose supervisor is alive in `state_dir`, else nullopt (no state, a stopped or killed supervisor).
std::optional<RunningStack> read_running_stack(const std::string& state_dir);

// Where the stack file's runtime files are: state_dir (.aaiti beside the stack file, or in the current
// directory without one) and secrets_dir (the stack file's `secrets_dir`, default secrets/ beside it).
struct StackPlaces {
    std::string stack_file;  // absolute; empty without one
    std::string state_dir;
    std::string secrets_dir;
};
StackPlaces stack_places(const Config& config, const std::string& state_dir_override = "");

// The SQLite file of `service` in a native stack without PostgreSQL (what the supervisor gives it as SQLITE_DB_PATH).
std::string native_sqlite_path(const std::string& state_dir, const std::string& service);

struct StackDatabaseRequest {
    std::string password_file;  // the verb's --password-file; empty: none
    std::string url;            // the verb's --db; empty: from the configuration
    std::string url_flag = "--db";           // how the verb calls its URL flag, for messages
    std::string password_flag = "--password-file";  // empty: the verb has no such flag
    std::string state_dir;      // --state-dir; empty: .aaiti beside the stack file
    // aaiti-auth set-role: SQLite counts as a store (SQLITE_DB_PATH given, or the running stack's).
    bool sqlite_allowed = false;
};

struct StackDatabase {
    enum class Kind { postgres, sqlite };
    Kind kind = Kind::postgres;
    std::string write_url;    // PostgreSQL, with the password in it when one was found
    std::string read_url;     // READ_DB_URL (password added the same way), else write_url
    std::string sqlite_path;  // SQLite
    std::string origin;       // where the server or file came from: "WRITE_DB_URL (environment WRITE_DB_URL)", ...
    std::string password;          // the one found (inside the URLs too); never shown
    std::string password_origin;   // where the password came from; empty: none found
    std::vector<std::string> password_places;  // every place looked, in order
    std::optional<RunningStack> running;       // the native stack beside the stack file, if one runs

    // The masked URL, or the SQLite file: what a message names.
    std::string describe() const;
    // "no PostgreSQL password for postgresql://aaiti@127.0.0.1:5432/aaiti (...): not in --password-file, ...,
    // nor /srv/secrets/db_password (secrets_dir of /srv/aaiti.yaml); ..." for write_url, or for `url` (another
    // node of the same stack, e.g. the replica) when given.
    std::string missing_password_message(const std::string& url = "") const;
};

// Throws ConfigError when a password file cannot be read or the URL is malformed.
StackDatabase find_stack_database(const Config& config, const StackDatabaseRequest& request = {});

// REDIS_URL when given (flag, environment, stack file); else the stack's Redis on 127.0.0.1:`port` (the running
// stack's, or the stack file's redis.port) with the password `up` and compose give it (secrets_dir/redis_password,
// when that file exists); else (`port` 0) REDIS_URL's default.
std::string stack_redis_url(const Config& config, int port);
// The running stack's Redis port; 0 when there is no running stack or it runs no Redis.
int running_redis_port(const std::optional<RunningStack>& running);

// libpq's (and pg_dump's) refusal when the server asks for a password and none was given.
bool is_missing_password_error(std::string_view text);

// Runs `work`; when it fails because the server wanted a password and none was found, the failure is a
// ConfigError (exit 78) naming every place looked instead of libpq's bare "fe_sendauth: no password supplied".
template <typename Work>
auto with_password_hint(const StackDatabase& database, Work&& work) -> decltype(work()) {
    try {
        return work();
    } catch (const Error& e) {
        if (database.password_origin.empty() && is_missing_password_error(e.what()))
            throw ConfigError(database.missing_password_message());
        throw;
    }
}

// Adds `password` to a postgresql:// URL (as ?password=, percent-encoded) or a libpq key=value string,
// unless it already has one.
std::string with_password(const std::string& url, const std::string& password);

}  // namespace aaiti
