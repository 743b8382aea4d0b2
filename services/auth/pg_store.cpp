#include "services/auth/pg_store.h"

#include <cstdio>
#include <functional>

#include <pqxx/pqxx>

#include "common/error.h"
#include "common/logging.h"
#include "common/secrets.h"
#include "common/uuid.h"
#include "services/auth/migrations.h"
#include "services/auth/pg_pool.h"

namespace aaiti::auth {
namespace {

constexpr const char* k_user_columns =
    "SELECT id::text, username, email, password_hash, first_name, last_name, role, created_at, updated_at FROM users ";
// Arbitrary constant: the advisory lock that makes concurrent starts apply each migration once.
constexpr long long k_migration_lock = 0x6161697469617574;  // "aaitiaut"

User read_user(const pqxx::row& r) {
    User u;
    u.id = r[0].as<std::string>();
    u.username = r[1].as<std::string>();
    u.email = r[2].as<std::string>();
    u.password_hash = r[3].as<std::string>();
    u.first_name = r[4].as<std::string>();
    u.last_name = r[5].as<std::string>();
    u.role = r[6].as<std::string>();
    u.created_at = r[7].as<std::int64_t>();
    u.updated_at = r[8].as<std::int64_t>();
    return u;
}

std::optional<User> first_user(const pqxx::result& r) {
    if (r.empty()) return std::nullopt;
    return read_user(r[0]);
}

// A user id from a request that is not a UUID cannot exist; checking here keeps PostgreSQL from
// answering "invalid input syntax for type uuid" where SQLite would simply find nothing.
bool valid_id(const std::string& id) { return Uuid::parse(id).has_value(); }

// Runs `work` in one transaction on a pooled connection. A broken connection is dropped from the pool
// and reported as UnavailableError (the handlers answer 503); other SQL errors propagate.
// Single statements run as `Tx = pqxx::nontransaction` (autocommit: one round trip instead of three);
// anything that reads then writes uses the default, a real transaction.
template <class Tx = pqxx::work, class Work>
auto in_transaction(PgPool& pool, Work&& work) {
    auto lease = pool.acquire();
    try {
        Tx tx(*lease);
        auto result = work(tx);
        tx.commit();
        return result;
    } catch (const pqxx::broken_connection& e) {
        lease.discard();
        throw UnavailableError("auth: lost the PostgreSQL connection to " + mask_secrets_in_url(pool.url()) + ": " +
                               mask_secrets_in_text(e.what()));
    }
}

// Runs `sql` as a prepared statement named after its text: PostgreSQL parses and plans it once per
// connection instead of on every call (the profile request spent most of the database's CPU on
// parsing and planning a primary-key lookup). pqxx defines it on the connection lazily; defining it
// again with the same text is a map lookup. (A transaction-mode PgBouncer in between would need
// its prepared-statement support, 1.21+.)
template <class... Args>
pqxx::result exec_prepared_sql(pqxx::transaction_base& tx, const std::string& sql, Args&&... args) {
    char name[24];
    std::snprintf(name, sizeof name, "aaiti_%016zx", std::hash<std::string>{}(sql));
    tx.conn().prepare(name, sql);
    return tx.exec_prepared(name, std::forward<Args>(args)...);
}

// Read::replica work goes to the replica when there is one. If the replica fails (down, or still
// replaying the migrations), the primary answers instead: a lagging replica costs freshness at most,
// never an error.
template <class Work>
auto read_on(PgPool* replica, PgPool& primary, Read read, Work&& work) {
    if (read == Read::replica && replica) {
        try {
            return in_transaction<pqxx::nontransaction>(*replica, work);
        } catch (const std::exception& e) {
            logging::warn("auth: replica read failed, reading from the primary", {{"error", mask_secrets_in_text(e.what())}});
        }
    }
    return in_transaction<pqxx::nontransaction>(primary, work);
}

class PgStore final : public Store {
public:
    explicit PgStore(const StorageSettings& s)
        : primary_(s.write_url, s.pool_min, s.pool_max, s.application_name) {
        if (s.read_url != s.write_url)
            replica_ = std::make_unique<PgPool>(s.read_url, s.pool_min, s.pool_max, s.application_name);
        migrate();
    }

    std::string backend() const override { return "postgresql"; }

    bool ping() noexcept override {
        try {
            return in_transaction<pqxx::nontransaction>(primary_, [](pqxx::transaction_base& tx) { return tx.exec1("SELECT 1")[0].as<int>() == 1; });
        } catch (...) {
            return false;
        }
    }

    WriteResult create_user(const User& u) override {
        try {
            return in_transaction(primary_, [&](pqxx::transaction_base& tx) {
                if (!exec_prepared_sql(tx, "SELECT 1 FROM users WHERE lower(username) = lower($1)", u.username).empty())
                    return WriteResult::username_taken;
                if (!exec_prepared_sql(tx, "SELECT 1 FROM users WHERE email = $1", u.email).empty())
                    return WriteResult::email_taken;
                exec_prepared_sql(tx,
                    "INSERT INTO users (id, username, email, password_hash, first_name, last_name, role, created_at, "
                    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    u.id, u.username, u.email, u.password_hash, u.first_name, u.last_name, u.role, u.created_at,
                    u.updated_at);
                return WriteResult::ok;
            });
        } catch (const pqxx::unique_violation& e) {  // a concurrent registration won the race
            return std::string(e.what()).find("users_username_key") != std::string::npos ? WriteResult::username_taken
                                                                                          : WriteResult::email_taken;
        }
    }

    std::optional<User> user_by_id(const std::string& id, Read read) override {
        if (!valid_id(id)) return std::nullopt;
        return read_on(replica_.get(), primary_, read, [&](pqxx::transaction_base& tx) {
            return first_user(exec_prepared_sql(tx, std::string(k_user_columns) + "WHERE id = $1", id));
        });
    }
    std::optional<User> user_by_username(const std::string& username) override {
        return in_transaction<pqxx::nontransaction>(primary_, [&](pqxx::transaction_base& tx) {
            return first_user(exec_prepared_sql(tx, std::string(k_user_columns) + "WHERE lower(username) = lower($1)", username));
        });
    }
    std::optional<User> user_by_email(const std::string& email) override {
        return in_transaction<pqxx::nontransaction>(primary_, [&](pqxx::transaction_base& tx) {
            return first_user(exec_prepared_sql(tx, std::string(k_user_columns) + "WHERE email = $1", email));
        });
    }

    WriteResult update_profile(const std::string& id, const std::string& email, const std::string& first_name,
                               const std::string& last_name, std::int64_t now) override {
        if (!valid_id(id)) return WriteResult::not_found;
        try {
            return in_transaction(primary_, [&](pqxx::transaction_base& tx) {
                if (!exec_prepared_sql(tx, "SELECT 1 FROM users WHERE email = $1 AND id <> $2", email, id).empty())
                    return WriteResult::email_taken;
                const auto r = exec_prepared_sql(tx,
                    "UPDATE users SET email = $1, first_name = $2, last_name = $3, updated_at = $4 WHERE id = $5", email,
                    first_name, last_name, now, id);
                return r.affected_rows() == 1 ? WriteResult::ok : WriteResult::not_found;
            });
        } catch (const pqxx::unique_violation&) {
            return WriteResult::email_taken;
        }
    }

    void set_password_hash(const std::string& id, const std::string& hash, std::int64_t now) override {
        if (!valid_id(id)) return;
        in_transaction<pqxx::nontransaction>(primary_, [&](pqxx::transaction_base& tx) {
            exec_prepared_sql(tx, "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3", hash, now, id);
            return true;
        });
    }

    WriteResult set_role(const std::string& id, const std::string& role, std::int64_t now) override {
        if (!valid_id(id)) return WriteResult::not_found;
        return in_transaction<pqxx::nontransaction>(primary_, [&](pqxx::transaction_base& tx) {
            const auto r = exec_prepared_sql(tx, "UPDATE users SET role = $1, updated_at = $2 WHERE id = $3", role, now, id);
            return r.affected_rows() == 1 ? WriteResult::ok : WriteResult::not_found;
        });
    }

    WriteResult delete_user(const std::string& id) override {
        if (!valid_id(id)) return WriteResult::not_found;
        return in_transaction(primary_, [&](pqxx::transaction_base& tx) {
            exec_prepared_sql(tx, "DELETE FROM sessions WHERE user_id = $1", id);
            const auto r = exec_prepared_sql(tx, "DELETE FROM users WHERE id = $1", id);
            return r.affected_rows() == 1 ? WriteResult::ok : WriteResult::not_found;
        });
    }

    std::vector<User> list_users(int limit, int offset, Read read) override {
        return read_on(replica_.get(), primary_, read, [&](pqxx::transaction_base& tx) {
            std::vector<User> users;
            for (const auto& row : exec_prepared_sql(tx, std::string(k_user_columns) + "ORDER BY created_at, id LIMIT $1 OFFSET $2",
                                                  limit, offset))
                users.push_back(read_user(row));
            return users;
        });
    }

    void create_session(const std::string& sid, const std::string& user_id, const std::string& jti, std::int64_t now,
                        std::int64_t expires_at) override {
        in_transaction<pqxx::nontransaction>(primary_, [&](pqxx::transaction_base& tx) {
            exec_prepared_sql(tx,
                "INSERT INTO sessions (id, user_id, current_jti, created_at, last_used_at, expires_at) "
                "VALUES ($1, $2, $3, $4, $4, $5)",
                sid, user_id, jti, now, expires_at);
            return true;
        });
    }

    Rotation rotate_session(const std::string& sid, const std::string& user_id, const std::string& old_jti,
                            const std::string& new_jti, std::int64_t now, std::int64_t expires_at) override {
        if (!valid_id(user_id)) return Rotation::missing;
        return in_transaction(primary_, [&](pqxx::transaction_base& tx) {
            // One conditional UPDATE: of two concurrent uses of the same token exactly one rotates.
            const auto r = exec_prepared_sql(tx,
                "UPDATE sessions SET current_jti = $1, last_used_at = $2, expires_at = $3 WHERE id = $4 AND user_id = $5 "
                "AND current_jti = $6 AND revoked_at IS NULL AND expires_at > $2",
                new_jti, now, expires_at, sid, user_id, old_jti);
            if (r.affected_rows() == 1) return Rotation::rotated;
            const auto why = exec_prepared_sql(tx,
                "SELECT revoked_at IS NOT NULL, expires_at FROM sessions WHERE id = $1 AND user_id = $2", sid, user_id);
            if (why.empty()) return Rotation::missing;
            if (why[0][0].as<bool>() || why[0][1].as<std::int64_t>() <= now) return Rotation::revoked;
            return Rotation::reused;
        });
    }

    bool session_active(const std::string& sid, std::int64_t now) override {
        return in_transaction<pqxx::nontransaction>(primary_, [&](pqxx::transaction_base& tx) {
            return !exec_prepared_sql(tx, "SELECT 1 FROM sessions WHERE id = $1 AND revoked_at IS NULL AND expires_at > $2", sid,
                                   now)
                        .empty();
        });
    }

    std::optional<User> session_user(const std::string& sid, const std::string& user_id, std::int64_t now) override {
        if (!valid_id(user_id)) return std::nullopt;
        return in_transaction<pqxx::nontransaction>(primary_, [&](pqxx::transaction_base& tx) {
            return first_user(exec_prepared_sql(tx, std::string(k_user_columns) +
                                                 "WHERE id = $2 AND EXISTS (SELECT 1 FROM sessions s WHERE s.id = $1 AND "
                                                 "s.user_id = users.id AND s.revoked_at IS NULL AND s.expires_at > $3)",
                                             sid, user_id, now));
        });
    }

    bool revoke_session(const std::string& sid, const std::string& reason, std::int64_t now) override {
        return in_transaction<pqxx::nontransaction>(primary_, [&](pqxx::transaction_base& tx) {
            return exec_prepared_sql(tx,
                         "UPDATE sessions SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL",
                         now, reason, sid)
                       .affected_rows() == 1;
        });
    }

    std::vector<std::string> revoke_user_sessions(const std::string& user_id, const std::string& reason,
                                                  std::int64_t now) override {
        if (!valid_id(user_id)) return {};
        return in_transaction<pqxx::nontransaction>(primary_, [&](pqxx::transaction_base& tx) {
            std::vector<std::string> sids;
            for (const auto& row : exec_prepared_sql(tx,
                     "UPDATE sessions SET revoked_at = $1, revoked_reason = $2 WHERE user_id = $3 AND revoked_at IS NULL "
                     "RETURNING id",
                     now, reason, user_id))
                sids.push_back(row[0].as<std::string>());
            return sids;
        });
    }

    Reservation reserve_attempt(const std::string& scope, const std::string& key, int max, std::int64_t window,
                                std::int64_t now) override {
        return in_transaction<pqxx::nontransaction>(primary_, [&](pqxx::transaction_base& tx) {
            // One upsert: the row lock serialises concurrent reservations of a key, and the DO UPDATE's
            // WHERE leaves a locked or full key alone, so a refused attempt returns no row. A window
            // that has run out, or a lock that has ended, starts the count again.
            const auto r = exec_prepared_sql(tx,
                "INSERT INTO login_failures AS f "
                "(scope, key, failures, in_flight, last_failure_at, locked_until, window_started_at) "
                "VALUES ($1, $2, 0, 1, 0, 0, $3::bigint) "
                "ON CONFLICT (scope, key) DO UPDATE SET "
                "failures = CASE WHEN f.locked_until > 0 OR f.window_started_at <= $3::bigint - $5::bigint "
                "THEN 0 ELSE f.failures END, "
                "in_flight = CASE WHEN f.locked_until > 0 OR f.window_started_at <= $3::bigint - $5::bigint "
                "THEN 1 ELSE f.in_flight + 1 END, "
                "window_started_at = CASE WHEN f.locked_until > 0 OR f.window_started_at <= $3::bigint - $5::bigint "
                "THEN $3::bigint ELSE f.window_started_at END, "
                "locked_until = 0 "
                "WHERE f.locked_until <= $3::bigint AND (f.locked_until > 0 "
                "OR f.window_started_at <= $3::bigint - $5::bigint OR f.failures + f.in_flight < $4::int) "
                "RETURNING in_flight",
                scope, key, now, max, window);
            if (!r.empty()) return Reservation{true, 0};
            const auto lock = exec_prepared_sql(
                tx, "SELECT locked_until FROM login_failures WHERE scope = $1 AND key = $2", scope, key);
            const std::int64_t until = lock.empty() ? 0 : lock[0][0].as<std::int64_t>();
            return Reservation{false, until > now ? until : 0};
        });
    }

    std::int64_t record_failure(const std::string& scope, const std::string& key, int max, std::int64_t window,
                                std::int64_t now) override {
        return in_transaction<pqxx::nontransaction>(primary_, [&](pqxx::transaction_base& tx) {
            // Reservations keep failures <= max, so exactly one failure of a window reaches max: it locks.
            const auto r = exec_prepared_sql(tx,
                "UPDATE login_failures SET failures = failures + 1, in_flight = greatest(in_flight - 1, 0), "
                "last_failure_at = $3::bigint, locked_until = CASE WHEN locked_until = 0 AND failures + 1 >= $4::int "
                "THEN $3::bigint + $5::bigint ELSE locked_until END "
                "WHERE scope = $1 AND key = $2 RETURNING failures, locked_until",
                scope, key, now, max, window);
            if (r.empty() || r[0][0].as<int>() != max) return std::int64_t{0};
            return r[0][1].as<std::int64_t>();
        });
    }

    void release_attempt(const std::string& scope, const std::string& key, Release release) override {
        in_transaction<pqxx::nontransaction>(primary_, [&](pqxx::transaction_base& tx) {
            if (release == Release::clear_failures)
                exec_prepared_sql(tx,
                    "UPDATE login_failures SET in_flight = greatest(in_flight - 1, 0), failures = 0, locked_until = 0 "
                    "WHERE scope = $1 AND key = $2",
                    scope, key);
            else
                exec_prepared_sql(tx,
                    "UPDATE login_failures SET in_flight = greatest(in_flight - 1, 0) WHERE scope = $1 AND key = $2",
                    scope, key);
            // A key with nothing to remember goes (a reservation in between keeps it: the row is re-checked).
            exec_prepared_sql(tx,
                "DELETE FROM login_failures WHERE scope = $1 AND key = $2 AND in_flight = 0 AND failures = 0", scope,
                key);
            return true;
        });
    }

    void add_audit(const AuditEvent& e) override {
        in_transaction<pqxx::nontransaction>(primary_, [&](pqxx::transaction_base& tx) {
            exec_prepared_sql(tx,
                "INSERT INTO audit_log (at, event, user_id, username, ip, request_id, detail) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                e.at, e.event, e.user_id, e.username, e.ip, e.request_id, e.detail);
            return true;
        });
    }

    std::vector<AuditEvent> list_audit(int limit, int offset) override {
        return in_transaction<pqxx::nontransaction>(primary_, [&](pqxx::transaction_base& tx) {
            std::vector<AuditEvent> events;
            for (const auto& row : exec_prepared_sql(tx,
                     "SELECT id, at, event, user_id, username, ip, request_id, detail FROM audit_log "
                     "ORDER BY id DESC LIMIT $1 OFFSET $2",
                     limit, offset)) {
                AuditEvent e;
                e.id = row[0].as<std::int64_t>();
                e.at = row[1].as<std::int64_t>();
                e.event = row[2].as<std::string>();
                e.user_id = row[3].as<std::string>();
                e.username = row[4].as<std::string>();
                e.ip = row[5].as<std::string>();
                e.request_id = row[6].as<std::string>();
                e.detail = row[7].as<std::string>();
                events.push_back(std::move(e));
            }
            return events;
        });
    }

private:

    void migrate() {
        in_transaction(primary_, [](pqxx::transaction_base& tx) {
            tx.exec_params("SELECT pg_advisory_xact_lock($1)", k_migration_lock);
            tx.exec0(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
                "applied_at BIGINT NOT NULL)");
            return true;
        });
        for (const auto& m : postgres_migrations()) {
            const bool applied = in_transaction(primary_, [&](pqxx::transaction_base& tx) {
                tx.exec_params("SELECT pg_advisory_xact_lock($1)", k_migration_lock);
                if (!tx.exec_params("SELECT 1 FROM schema_migrations WHERE version = $1", m.version).empty()) return false;
                for (const auto statement : m.statements) tx.exec0(std::string(statement));
                tx.exec_params(
                    "INSERT INTO schema_migrations (version, description, applied_at) "
                    "VALUES ($1, $2, extract(epoch FROM now())::bigint)",
                    m.version, std::string(m.description));
                return true;
            });
            if (applied)
                logging::info("auth: applied schema migration", {{"version", m.version}, {"backend", "postgresql"}});
        }
    }

    PgPool primary_;
    std::unique_ptr<PgPool> replica_;
};

}  // namespace

std::unique_ptr<Store> open_postgres_store(const StorageSettings& settings) {
    return std::make_unique<PgStore>(settings);
}

}  // namespace aaiti::auth
