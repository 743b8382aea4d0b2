#include "services/auth/sqlite_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <filesystem>
#include <mutex>
#include <system_error>

#include "common/error.h"
#include "common/logging.h"
#include "services/auth/migrations.h"

namespace aaiti::auth {
namespace {

constexpr const char* k_user_columns =
    "SELECT id, username, email, password_hash, first_name, last_name, role, created_at, updated_at FROM users ";

User read_user(SQLite::Statement& st) {
    User u;
    u.id = st.getColumn(0).getString();
    u.username = st.getColumn(1).getString();
    u.email = st.getColumn(2).getString();
    u.password_hash = st.getColumn(3).getString();
    u.first_name = st.getColumn(4).getString();
    u.last_name = st.getColumn(5).getString();
    u.role = st.getColumn(6).getString();
    u.created_at = st.getColumn(7).getInt64();
    u.updated_at = st.getColumn(8).getInt64();
    return u;
}

std::optional<User> one_user(SQLite::Statement& st) {
    if (!st.executeStep()) return std::nullopt;
    return read_user(st);
}

// BEGIN IMMEDIATE takes the write lock up front (waiting busy_timeout for other processes, such as
// `aaiti-auth set-role`), so a read-then-write transaction never fails half way with SQLITE_BUSY.
class ImmediateTransaction {
public:
    explicit ImmediateTransaction(SQLite::Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
    ~ImmediateTransaction() {
        if (!done_) {
            try {
                db_.exec("ROLLBACK");
            } catch (...) {  // nothing more to do: the connection rolls back on its own
            }
        }
    }
    void commit() {
        db_.exec("COMMIT");
        done_ = true;
    }

private:
    SQLite::Database& db_;
    bool done_ = false;
};

class SqliteStore final : public Store {
public:
    explicit SqliteStore(const std::string& path)
        : db_(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX, 10000) {
        db_.exec("PRAGMA journal_mode=WAL");
        db_.exec("PRAGMA foreign_keys=ON");
        db_.exec("PRAGMA synchronous=NORMAL");
        migrate();
    }

    std::string backend() const override { return "sqlite"; }

    bool ping() noexcept override {
        try {
            std::lock_guard lock(mutex_);
            return db_.execAndGet("SELECT 1").getInt() == 1;
        } catch (...) {
            return false;
        }
    }

    WriteResult create_user(const User& u) override {
        std::lock_guard lock(mutex_);
        ImmediateTransaction tx(db_);
        if (exists("SELECT 1 FROM users WHERE lower(username) = lower(?)", u.username)) return WriteResult::username_taken;
        if (exists("SELECT 1 FROM users WHERE email = ?", u.email)) return WriteResult::email_taken;
        SQLite::Statement st(db_,
                             "INSERT INTO users (id, username, email, password_hash, first_name, last_name, role, "
                             "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        st.bind(1, u.id);
        st.bind(2, u.username);
        st.bind(3, u.email);
        st.bind(4, u.password_hash);
        st.bind(5, u.first_name);
        st.bind(6, u.last_name);
        st.bind(7, u.role);
        st.bind(8, static_cast<int64_t>(u.created_at));
        st.bind(9, static_cast<int64_t>(u.updated_at));
        st.exec();
        tx.commit();
        return WriteResult::ok;
    }

    std::optional<User> user_by_id(const std::string& id, Read) override {
        std::lock_guard lock(mutex_);
        SQLite::Statement st(db_, std::string(k_user_columns) + "WHERE id = ?");
        st.bind(1, id);
        return one_user(st);
    }
    std::optional<User> user_by_username(const std::string& username) override {
        std::lock_guard lock(mutex_);
        SQLite::Statement st(db_, std::string(k_user_columns) + "WHERE lower(username) = lower(?)");
        st.bind(1, username);
        return one_user(st);
    }
    std::optional<User> user_by_email(const std::string& email) override {
        std::lock_guard lock(mutex_);
        SQLite::Statement st(db_, std::string(k_user_columns) + "WHERE email = ?");
        st.bind(1, email);
        return one_user(st);
    }

    WriteResult update_profile(const std::string& id, const std::string& email, const std::string& first_name,
                               const std::string& last_name, std::int64_t now) override {
        std::lock_guard lock(mutex_);
        ImmediateTransaction tx(db_);
        SQLite::Statement taken(db_, "SELECT 1 FROM users WHERE email = ? AND id <> ?");
        taken.bind(1, email);
        taken.bind(2, id);
        if (taken.executeStep()) return WriteResult::email_taken;
        SQLite::Statement st(db_,
                             "UPDATE users SET email = ?, first_name = ?, last_name = ?, updated_at = ? WHERE id = ?");
        st.bind(1, email);
        st.bind(2, first_name);
        st.bind(3, last_name);
        st.bind(4, static_cast<int64_t>(now));
        st.bind(5, id);
        const int changed = st.exec();
        tx.commit();
        return changed == 1 ? WriteResult::ok : WriteResult::not_found;
    }

    void set_password_hash(const std::string& id, const std::string& hash, std::int64_t now) override {
        std::lock_guard lock(mutex_);
        SQLite::Statement st(db_, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?");
        st.bind(1, hash);
        st.bind(2, static_cast<int64_t>(now));
        st.bind(3, id);
        st.exec();
    }

    WriteResult set_role(const std::string& id, const std::string& role, std::int64_t now) override {
        std::lock_guard lock(mutex_);
        SQLite::Statement st(db_, "UPDATE users SET role = ?, updated_at = ? WHERE id = ?");
        st.bind(1, role);
        st.bind(2, static_cast<int64_t>(now));
        st.bind(3, id);
        return st.exec() == 1 ? WriteResult::ok : WriteResult::not_found;
    }

    WriteResult delete_user(const std::string& id) override {
        std::lock_guard lock(mutex_);
        ImmediateTransaction tx(db_);
        SQLite::Statement sessions(db_, "DELETE FROM sessions WHERE user_id = ?");
        sessions.bind(1, id);
        sessions.exec();
        SQLite::Statement st(db_, "DELETE FROM users WHERE id = ?");
        st.bind(1, id);
        const int changed = st.exec();
        tx.commit();
        return changed == 1 ? WriteResult::ok : WriteResult::not_found;
    }

    std::vector<User> list_users(int limit, int offset, Read) override {
        std::lock_guard lock(mutex_);
        SQLite::Statement st(db_, std::string(k_user_columns) + "ORDER BY created_at, id LIMIT ? OFFSET ?");
        st.bind(1, limit);
        st.bind(2, offset);
        std::vector<User> users;
        while (st.executeStep()) users.push_back(read_user(st));
        return users;
    }

    void create_session(const std::string& sid, const std::string& user_id, const std::string& jti, std::int64_t now,
                        std::int64_t expires_at) override {
        std::lock_guard lock(mutex_);
        SQLite::Statement st(db_,
                             "INSERT INTO sessions (id, user_id, current_jti, created_at, last_used_at, expires_at) "
                             "VALUES (?, ?, ?, ?, ?, ?)");
        st.bind(1, sid);
        st.bind(2, user_id);
        st.bind(3, jti);
        st.bind(4, static_cast<int64_t>(now));
        st.bind(5, static_cast<int64_t>(now));
        st.bind(6, static_cast<int64_t>(expires_at));
        st.exec();
    }

    Rotation rotate_session(const std::string& sid, const std::string& user_id, const std::string& old_jti,
                            const std::string& new_jti, std::int64_t now, std::int64_t expires_at) override {
        std::lock_guard lock(mutex_);
        SQLite::Statement st(db_,
                             "UPDATE sessions SET current_jti = ?, last_used_at = ?, expires_at = ? "
                             "WHERE id = ? AND user_id = ? AND current_jti = ? AND revoked_at IS NULL AND expires_at > ?");
        st.bind(1, new_jti);
        st.bind(2, static_cast<int64_t>(now));
        st.bind(3, static_cast<int64_t>(expires_at));
        st.bind(4, sid);
        st.bind(5, user_id);
        st.bind(6, old_jti);
        st.bind(7, static_cast<int64_t>(now));
        if (st.exec() == 1) return Rotation::rotated;
        SQLite::Statement why(db_, "SELECT revoked_at IS NOT NULL, expires_at FROM sessions WHERE id = ? AND user_id = ?");
        why.bind(1, sid);
        why.bind(2, user_id);
        if (!why.executeStep()) return Rotation::missing;
        if (why.getColumn(0).getInt() != 0 || why.getColumn(1).getInt64() <= now) return Rotation::revoked;
        return Rotation::reused;
    }

    bool session_active(const std::string& sid, std::int64_t now) override {
        std::lock_guard lock(mutex_);
        SQLite::Statement st(db_, "SELECT 1 FROM sessions WHERE id = ? AND revoked_at IS NULL AND expires_at > ?");
        st.bind(1, sid);
        st.bind(2, static_cast<int64_t>(now));
        return st.executeStep();
    }

    std::optional<User> session_user(const std::string& sid, const std::string& user_id, std::int64_t now) override {
        std::lock_guard lock(mutex_);
        SQLite::Statement st(db_, std::string(k_user_columns) +
                                      "WHERE id = ? AND EXISTS (SELECT 1 FROM sessions s WHERE s.id = ? AND s.user_id = users.id "
                                      "AND s.revoked_at IS NULL AND s.expires_at > ?)");
        st.bind(1, user_id);
        st.bind(2, sid);
        st.bind(3, static_cast<int64_t>(now));
        return one_user(st);
    }

    bool revoke_session(const std::string& sid, const std::string& reason, std::int64_t now) override {
        std::lock_guard lock(mutex_);
        SQLite::Statement st(db_,
                             "UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL");
        st.bind(1, static_cast<int64_t>(now));
        st.bind(2, reason);
        st.bind(3, sid);
        return st.exec() == 1;
    }

    std::vector<std::string> revoke_user_sessions(const std::string& user_id, const std::string& reason,
                                                  std::int64_t now) override {
        std::lock_guard lock(mutex_);
        ImmediateTransaction tx(db_);
        std::vector<std::string> sids;
        SQLite::Statement live(db_, "SELECT id FROM sessions WHERE user_id = ? AND revoked_at IS NULL");
        live.bind(1, user_id);
        while (live.executeStep()) sids.push_back(live.getColumn(0).getString());
        SQLite::Statement st(db_,
                             "UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE user_id = ? AND revoked_at IS NULL");
        st.bind(1, static_cast<int64_t>(now));
        st.bind(2, reason);
        st.bind(3, user_id);
        st.exec();
        tx.commit();
        return sids;
    }

    Reservation reserve_attempt(const std::string& scope, const std::string& key, int max, std::int64_t window,
                                std::int64_t now) override {
        std::lock_guard lock(mutex_);
        // The same single upsert as on PostgreSQL (atomic on its own, also against another process on
        // the file): the DO UPDATE's WHERE leaves a locked or full key alone, so a refused attempt
        // returns no row.
        SQLite::Statement up(db_,
                             "INSERT INTO login_failures "
                             "(scope, key, failures, in_flight, last_failure_at, locked_until, window_started_at) "
                             "VALUES (?1, ?2, 0, 1, 0, 0, ?3) "
                             "ON CONFLICT (scope, key) DO UPDATE SET "
                             "failures = CASE WHEN login_failures.locked_until > 0 "
                             "OR login_failures.window_started_at <= ?3 - ?5 THEN 0 ELSE login_failures.failures END, "
                             "in_flight = CASE WHEN login_failures.locked_until > 0 "
                             "OR login_failures.window_started_at <= ?3 - ?5 THEN 1 ELSE login_failures.in_flight + 1 END, "
                             "window_started_at = CASE WHEN login_failures.locked_until > 0 "
                             "OR login_failures.window_started_at <= ?3 - ?5 "
                             "THEN ?3 ELSE login_failures.window_started_at END, "
                             "locked_until = 0 "
                             "WHERE login_failures.locked_until <= ?3 AND (login_failures.locked_until > 0 "
                             "OR login_failures.window_started_at <= ?3 - ?5 "
                             "OR login_failures.failures + login_failures.in_flight < ?4) "
                             "RETURNING in_flight");
        up.bind(1, scope);
        up.bind(2, key);
        up.bind(3, static_cast<int64_t>(now));
        up.bind(4, max);
        up.bind(5, static_cast<int64_t>(window));
        if (up.executeStep()) return Reservation{true, 0};
        SQLite::Statement st(db_, "SELECT locked_until FROM login_failures WHERE scope = ? AND key = ?");
        st.bind(1, scope);
        st.bind(2, key);
        const std::int64_t until = st.executeStep() ? st.getColumn(0).getInt64() : 0;
        return Reservation{false, until > now ? until : 0};
    }

    std::int64_t record_failure(const std::string& scope, const std::string& key, int max, std::int64_t window,
                                std::int64_t now) override {
        std::lock_guard lock(mutex_);
        // Reservations keep failures <= max, so exactly one failure of a window reaches max: it locks.
        SQLite::Statement st(db_,
                             "UPDATE login_failures SET failures = failures + 1, in_flight = max(in_flight - 1, 0), "
                             "last_failure_at = ?3, locked_until = CASE WHEN locked_until = 0 AND failures + 1 >= ?4 "
                             "THEN ?3 + ?5 ELSE locked_until END "
                             "WHERE scope = ?1 AND key = ?2 RETURNING failures, locked_until");
        st.bind(1, scope);
        st.bind(2, key);
        st.bind(3, static_cast<int64_t>(now));
        st.bind(4, max);
        st.bind(5, static_cast<int64_t>(window));
        if (!st.executeStep() || st.getColumn(0).getInt() != max) return 0;
        return st.getColumn(1).getInt64();
    }

    void release_attempt(const std::string& scope, const std::string& key, Release release) override {
        std::lock_guard lock(mutex_);
        SQLite::Statement st(db_, release == Release::clear_failures
                                      ? "UPDATE login_failures SET in_flight = max(in_flight - 1, 0), failures = 0, "
                                        "locked_until = 0 WHERE scope = ? AND key = ?"
                                      : "UPDATE login_failures SET in_flight = max(in_flight - 1, 0) "
                                        "WHERE scope = ? AND key = ?");
        st.bind(1, scope);
        st.bind(2, key);
        st.exec();
        // A key with nothing to remember goes.
        SQLite::Statement gone(db_,
                               "DELETE FROM login_failures WHERE scope = ? AND key = ? AND in_flight = 0 AND failures = 0");
        gone.bind(1, scope);
        gone.bind(2, key);
        gone.exec();
    }

    void add_audit(const AuditEvent& e) override {
        std::lock_guard lock(mutex_);
        SQLite::Statement st(db_,
                             "INSERT INTO audit_log (at, event, user_id, username, ip, request_id, detail) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)");
        st.bind(1, static_cast<int64_t>(e.at));
        st.bind(2, e.event);
        st.bind(3, e.user_id);
        st.bind(4, e.username);
        st.bind(5, e.ip);
        st.bind(6, e.request_id);
        st.bind(7, e.detail);
        st.exec();
    }

    std::vector<AuditEvent> list_audit(int limit, int offset) override {
        std::lock_guard lock(mutex_);
        SQLite::Statement st(db_,
                             "SELECT id, at, event, user_id, username, ip, request_id, detail FROM audit_log "
                             "ORDER BY id DESC LIMIT ? OFFSET ?");
        st.bind(1, limit);
        st.bind(2, offset);
        std::vector<AuditEvent> events;
        while (st.executeStep()) {
            AuditEvent e;
            e.id = st.getColumn(0).getInt64();
            e.at = st.getColumn(1).getInt64();
            e.event = st.getColumn(2).getString();
            e.user_id = st.getColumn(3).getString();
            e.username = st.getColumn(4).getString();
            e.ip = st.getColumn(5).getString();
            e.request_id = st.getColumn(6).getString();
            e.detail = st.getColumn(7).getString();
            events.push_back(std::move(e));
        }
        return events;
    }

private:
    bool exists(const char* sql, const std::string& value) {
        SQLite::Statement st(db_, sql);
        st.bind(1, value);
        return st.executeStep();
    }

    void migrate() {
        std::lock_guard lock(mutex_);
        db_.exec(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
            "applied_at INTEGER NOT NULL)");
        for (const auto& m : sqlite_migrations()) {
            ImmediateTransaction tx(db_);  // re-checked under the write lock: two starting processes apply once
            SQLite::Statement have(db_, "SELECT 1 FROM schema_migrations WHERE version = ?");
            have.bind(1, m.version);
            if (have.executeStep()) continue;
            for (const auto statement : m.statements) db_.exec(std::string(statement));
            SQLite::Statement record(db_,
                                     "INSERT INTO schema_migrations (version, description, applied_at) "
                                     "VALUES (?, ?, strftime('%s','now'))");
            record.bind(1, m.version);
            record.bind(2, std::string(m.description));
            record.exec();
            tx.commit();
            logging::info("auth: applied schema migration", {{"version", m.version}, {"backend", "sqlite"}});
        }
    }

    std::mutex mutex_;
    SQLite::Database db_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::string& path) {
    const std::filesystem::path file(path);
    if (file.has_parent_path()) {
        std::error_code ec;
        std::filesystem::create_directories(file.parent_path(), ec);
        if (ec)
            throw IoError("auth: cannot create the directory " + file.parent_path().string() + " for SQLITE_DB_PATH: " +
                          ec.message());
    }
    try {
        return std::make_unique<SqliteStore>(path);
    } catch (const SQLite::Exception& e) {
        throw IoError("auth: cannot open the SQLite database " + path + " (SQLITE_DB_PATH): " + e.what());
    }
}

}  // namespace aaiti::auth
