#pragma once
// Where aaiti-auth keeps users, sessions, lockout counters and the audit trail. Two implementations
// with identical behaviour: SQLite (one file, the embedded default) and PostgreSQL (a pool on the
// primary, another on the replica when READ_DB_URL differs). Both apply the versioned migrations of
// migrations.cpp when opened. Every method is thread-safe and blocking (call from the worker pool).
//
// Times are Unix seconds everywhere, so both back ends compare them the same way. Security-critical
// reads (sessions, refresh rotation, lockout, password hashes) always go to the primary; only
// Read::replica lookups (profile, user list) may go to a replica, which can lag a little.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "services/auth/settings.h"

namespace aaiti::auth {

struct User {
    std::string id;  // UUID v4, lowercase
    std::string username;
    std::string email;  // stored lower-cased
    std::string password_hash;
    std::string first_name;
    std::string last_name;
    std::string role = "user";  // "user" | "admin"
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
};

struct AuditEvent {
    std::int64_t id = 0;  // assigned by the store
    std::int64_t at = 0;
    std::string event;  // register, login_ok, login_failed, lockout, refresh, refresh_reuse, logout, ...
    std::string user_id;
    std::string username;
    std::string ip;
    std::string request_id;
    std::string detail;
};

enum class Read { primary, replica };
enum class WriteResult { ok, username_taken, email_taken, not_found };
// What happened to a refresh token presented for rotation.
enum class Rotation {
    rotated,  // it was the family's current token; the new one is now current
    reused,   // an older token of a live family: the caller must revoke the family
    revoked,  // the family was revoked or has expired
    missing,  // no such family for this user
};

class Store {
public:
    virtual ~Store() = default;

    virtual std::string backend() const = 0;  // "sqlite" | "postgresql"
    // For /ready: a trivial query on the primary.
    virtual bool ping() noexcept = 0;

    virtual WriteResult create_user(const User& user) = 0;
    virtual std::optional<User> user_by_id(const std::string& id, Read read) = 0;
    // Case-insensitive on the username, exact on the (lower-cased) e-mail; always the primary.
    virtual std::optional<User> user_by_username(const std::string& username) = 0;
    virtual std::optional<User> user_by_email(const std::string& email) = 0;
    virtual WriteResult update_profile(const std::string& id, const std::string& email, const std::string& first_name,
                                       const std::string& last_name, std::int64_t now) = 0;
    virtual void set_password_hash(const std::string& id, const std::string& hash, std::int64_t now) = 0;
    virtual WriteResult set_role(const std::string& id, const std::string& role, std::int64_t now) = 0;
    // Deletes the user and their sessions.
    virtual WriteResult delete_user(const std::string& id) = 0;
    virtual std::vector<User> list_users(int limit, int offset, Read read) = 0;

    // Sessions = refresh-token families: `sid` with the jti of its one current refresh token.
    virtual void create_session(const std::string& sid, const std::string& user_id, const std::string& jti,
                                std::int64_t now, std::int64_t expires_at) = 0;
    virtual Rotation rotate_session(const std::string& sid, const std::string& user_id, const std::string& old_jti,
                                    const std::string& new_jti, std::int64_t now, std::int64_t expires_at) = 0;
    // Live (not revoked, not expired) on the primary.
    virtual bool session_active(const std::string& sid, std::int64_t now) = 0;
    // The user of session `sid` when it is live and belongs to `user_id`, in one query on the primary (the
    // profile path: the session check and the read that follows it in one round trip); nullopt otherwise.
    virtual std::optional<User> session_user(const std::string& sid, const std::string& user_id, std::int64_t now) = 0;
    // True when it was live.
    virtual bool revoke_session(const std::string& sid, const std::string& reason, std::int64_t now) = 0;
    // The sids that were live and are now revoked.
    virtual std::vector<std::string> revoke_user_sessions(const std::string& user_id, const std::string& reason,
                                                          std::int64_t now) = 0;

    // Password-attempt counters, keyed by (scope, key): scope "account" or "ip". An attempt is reserved
    // (in flight) before its password is checked and then settled as a failure or given back, so
    // concurrent guesses cannot overtake the limit: failures + attempts in flight never exceed `max`.
    // A window opens at a key's first reservation and lasts `window` seconds; the next reservation after
    // it (or after the key's lock has ended) starts a new count.
    struct Reservation {
        bool granted = false;  // within the limit: check the password, then record_failure or release_attempt
        // Refused: when the key's lock ends, or 0 when it is not locked but `max` attempts are failed or
        // still in flight (worth retrying in a moment).
        std::int64_t locked_until = 0;
    };
    // One atomic step: refused while the key is locked or full; else one more attempt in flight.
    virtual Reservation reserve_attempt(const std::string& scope, const std::string& key, int max, std::int64_t window,
                                        std::int64_t now) = 0;
    // Settles a reserved attempt as a failure. Returns the lock's end when this failure was the `max`-th
    // of the window and locked the key until now + window, else 0.
    virtual std::int64_t record_failure(const std::string& scope, const std::string& key, int max, std::int64_t window,
                                        std::int64_t now) = 0;
    enum class Release { keep_failures, clear_failures };
    // Gives a reserved attempt back (its password was right); clear_failures also forgets the key's
    // failures and lifts its lock (the account, after a right password). A key left with no failures
    // and nothing in flight is deleted.
    virtual void release_attempt(const std::string& scope, const std::string& key, Release release) = 0;

    virtual void add_audit(const AuditEvent& event) = 0;
    // Newest first.
    virtual std::vector<AuditEvent> list_audit(int limit, int offset) = 0;
};

// Opens the configured back end and applies pending migrations. Throws UnavailableError (database
// unreachable), IoError (SQLite file cannot be created), ConfigError (bad URL).
std::unique_ptr<Store> open_store(const StorageSettings& settings);

}  // namespace aaiti::auth
