// Both stores, through the Store interface, with the same expectations: SQLite on a temp file (unit)
// and PostgreSQL on a fresh database of the fixture ([pg]).
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

#include "common/uuid.h"
#include "services/auth/store.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_servers.h"

namespace aaiti::auth {
namespace {

User make_user(const std::string& name) {
    User u;
    u.id = Uuid::random_v4().to_string();
    u.username = name;
    u.email = name + "@example.com";
    u.password_hash = "$argon2id$fake";
    u.created_at = u.updated_at = 1000;
    return u;
}

void exercise(Store& store) {
    const auto alice = make_user("Alice");
    REQUIRE(store.create_user(alice) == WriteResult::ok);
    CHECK(store.create_user(make_user("alice")) == WriteResult::username_taken);
    auto clash = make_user("other");
    clash.email = alice.email;
    CHECK(store.create_user(clash) == WriteResult::email_taken);
    CHECK(store.user_by_username("ALICE").value().id == alice.id);
    CHECK(store.user_by_email(alice.email).value().username == "Alice");
    CHECK(store.user_by_id(alice.id, Read::replica).value().email == alice.email);
    CHECK_FALSE(store.user_by_id("not-a-uuid", Read::primary));
    CHECK(store.set_role("not-a-uuid", "admin", 1) == WriteResult::not_found);

    // Sessions: rotation, reuse, revocation.
    const std::string sid = Uuid::random_v4().to_string();
    store.create_session(sid, alice.id, "jti-1", 1000, 5000);
    CHECK(store.session_active(sid, 1001));
    CHECK_FALSE(store.session_active(sid, 5000));  // expired
    CHECK(store.session_user(sid, alice.id, 1001).value().username == "Alice");
    CHECK_FALSE(store.session_user(sid, alice.id, 5000));                // expired
    CHECK_FALSE(store.session_user(sid, make_user("x").id, 1001));       // someone else's session
    CHECK_FALSE(store.session_user("no-such-session", alice.id, 1001));
    CHECK_FALSE(store.session_user(sid, "not-a-uuid", 1001));
    CHECK(store.rotate_session(sid, alice.id, "jti-1", "jti-2", 1002, 6000) == Rotation::rotated);
    CHECK(store.rotate_session(sid, alice.id, "jti-1", "jti-3", 1003, 6000) == Rotation::reused);
    CHECK(store.rotate_session(sid, make_user("x").id, "jti-2", "jti-3", 1003, 6000) == Rotation::missing);
    CHECK(store.revoke_session(sid, "logout", 1004));
    CHECK_FALSE(store.revoke_session(sid, "logout", 1004));
    CHECK(store.rotate_session(sid, alice.id, "jti-2", "jti-3", 1005, 6000) == Rotation::revoked);
    CHECK_FALSE(store.session_active(sid, 1005));
    CHECK_FALSE(store.session_user(sid, alice.id, 1005));  // revoked
    store.create_session("s-a", alice.id, "j", 1000, 9000);
    store.create_session("s-b", alice.id, "j", 1000, 9000);
    auto revoked = store.revoke_user_sessions(alice.id, "password_change", 1006);
    std::sort(revoked.begin(), revoked.end());
    CHECK(revoked == std::vector<std::string>{"s-a", "s-b"});

    // Attempt counters: failures plus attempts in flight never exceed max; the max-th failure locks.
    using R = Store::Reservation;
    using Release = Store::Release;
    const auto same = [](const R& a, const R& b) { return a.granted == b.granted && a.locked_until == b.locked_until; };
    CHECK(same(store.reserve_attempt("account", "alice", 3, 100, 2000), R{true, 0}));
    CHECK(store.record_failure("account", "alice", 3, 100, 2000) == 0);
    CHECK(same(store.reserve_attempt("account", "alice", 3, 100, 2001), R{true, 0}));
    CHECK(same(store.reserve_attempt("account", "alice", 3, 100, 2001), R{true, 0}));
    CHECK(same(store.reserve_attempt("account", "alice", 3, 100, 2001), R{false, 0}));  // full, not locked
    store.release_attempt("account", "alice", Release::keep_failures);               // a right password
    CHECK(same(store.reserve_attempt("account", "alice", 3, 100, 2001), R{true, 0}));
    CHECK(store.record_failure("account", "alice", 3, 100, 2002) == 0);
    CHECK(store.record_failure("account", "alice", 3, 100, 2002) == 2102);  // the 3rd failure locks
    CHECK(same(store.reserve_attempt("account", "alice", 3, 100, 2003), R{false, 2102}));
    CHECK(same(store.reserve_attempt("account", "alice", 3, 100, 2102), R{true, 0}));  // the lock has ended
    store.release_attempt("account", "alice", Release::clear_failures);
    // A right password clears the failures (and a lock) for the account.
    CHECK(same(store.reserve_attempt("account", "bob", 1, 100, 2000), R{true, 0}));
    CHECK(store.record_failure("account", "bob", 1, 100, 2000) == 2100);
    CHECK(same(store.reserve_attempt("account", "bob", 1, 100, 2000), R{false, 2100}));
    store.release_attempt("account", "bob", Release::clear_failures);
    CHECK(same(store.reserve_attempt("account", "bob", 1, 100, 2001), R{true, 0}));
    CHECK(same(store.reserve_attempt("ip", "bob", 1, 100, 2001), R{true, 0}));  // scopes are separate
    // The window runs from its first attempt: failures that old, and given-back attempts, are forgotten.
    for (const std::int64_t at : {3000, 3050}) {
        CHECK(same(store.reserve_attempt("ip", "carol", 3, 100, at), R{true, 0}));
        CHECK(store.record_failure("ip", "carol", 3, 100, at) == 0);
    }
    CHECK(same(store.reserve_attempt("ip", "carol", 3, 100, 3099), R{true, 0}));
    store.release_attempt("ip", "carol", Release::keep_failures);
    CHECK(same(store.reserve_attempt("ip", "carol", 3, 100, 3100), R{true, 0}));  // a new window: 0 failures
    CHECK(store.record_failure("ip", "carol", 3, 100, 3100) == 0);
    store.release_attempt("account", "nobody", Release::clear_failures);  // nothing to give back: no error
    CHECK(store.record_failure("account", "nobody", 3, 100, 3100) == 0);

    // Profile, role, audit, delete.
    auto bob = make_user("bob");
    REQUIRE(store.create_user(bob) == WriteResult::ok);
    CHECK(store.update_profile(bob.id, alice.email, "B", "C", 3000) == WriteResult::email_taken);
    CHECK(store.update_profile(bob.id, "new@example.com", "B", "C", 3000) == WriteResult::ok);
    CHECK(store.user_by_id(bob.id, Read::primary).value().first_name == "B");
    CHECK(store.set_role(bob.id, "admin", 3001) == WriteResult::ok);
    CHECK(store.list_users(10, 0, Read::primary).size() == 2);
    CHECK(store.list_users(10, 1, Read::primary).size() == 1);
    store.add_audit({0, 10, "register", bob.id, "bob", "127.0.0.1", "req-1", ""});
    store.add_audit({0, 11, "login_ok", bob.id, "bob", "127.0.0.1", "req-2", ""});
    const auto events = store.list_audit(10, 0);
    REQUIRE(events.size() == 2);
    CHECK(events[0].event == "login_ok");  // newest first
    CHECK(events[1].request_id == "req-1");
    store.create_session("s-bob", bob.id, "j", 1000, 9000);
    CHECK(store.delete_user(bob.id) == WriteResult::ok);
    CHECK(store.delete_user(bob.id) == WriteResult::not_found);
    CHECK_FALSE(store.session_active("s-bob", 1001));
    CHECK(store.ping());
}

// Many threads trying one key at once, each failing: exactly `max` are granted, whatever the interleaving.
int granted_in_burst(Store& store, int threads, int max) {
    std::atomic<int> granted{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i)
        pool.emplace_back([&] {
            while (!go) std::this_thread::yield();
            if (store.reserve_attempt("account", "burst", max, 900, 5000).granted) {
                ++granted;
                store.record_failure("account", "burst", max, 900, 5000);
            }
        });
    go = true;
    for (auto& t : pool) t.join();
    return granted;
}

// Turns a migrated database back into version 1 holding a lock as version 1 wrote it (failures and
// locked_until only), for the upgrade tests.
constexpr const char* k_back_to_version_1[] = {
    "DELETE FROM schema_migrations WHERE version > 1",
    "ALTER TABLE login_failures DROP COLUMN in_flight",
    "ALTER TABLE login_failures DROP COLUMN window_started_at",
    "INSERT INTO login_failures (scope, key, failures, last_failure_at, locked_until) VALUES ('account', 'old', 5, 100, 9000)",
};

// After the upgrade: the old lock holds until it ends, then the key counts afresh.
void check_upgraded(Store& store) {
    CHECK(store.reserve_attempt("account", "old", 5, 900, 8999).locked_until == 9000);
    CHECK(store.reserve_attempt("account", "old", 5, 900, 9000).granted);
}

TEST_CASE("the SQLite store: users, sessions, lockout and audit; migrations applied once") {
    aaiti::test::TempDir dir;
    StorageSettings settings;
    settings.sqlite_path = (dir / "nested/dir/auth.sqlite").string();
    {
        auto store = open_store(settings);
        CHECK(store->backend() == "sqlite");
        exercise(*store);
        CHECK(granted_in_burst(*store, 30, 5) == 5);
        CHECK(store->reserve_attempt("account", "burst", 5, 900, 5001).locked_until == 5900);
    }
    auto again = open_store(settings);  // a second start applies nothing and keeps the data
    CHECK(again->user_by_username("alice"));
    again.reset();
    {
        SQLite::Database db(settings.sqlite_path, SQLite::OPEN_READWRITE);
        for (const char* sql : k_back_to_version_1) db.exec(sql);
    }
    check_upgraded(*open_store(settings));
}

TEST_CASE("the PostgreSQL store: users, sessions, lockout and audit; migrations applied once", "[pg]") {
    aaiti::test::TestDatabase db("auth_store");
    StorageSettings settings;
    settings.kind = StorageSettings::Kind::postgres;
    settings.write_url = settings.read_url = db.url();
    settings.pool_min = 1;
    settings.pool_max = 3;
    {
        auto store = open_store(settings);
        CHECK(store->backend() == "postgresql");
        exercise(*store);
        CHECK(granted_in_burst(*store, 30, 5) == 5);
        CHECK(store->reserve_attempt("account", "burst", 5, 900, 5001).locked_until == 5900);
    }
    auto again = open_store(settings);
    CHECK(again->user_by_username("alice"));
    CHECK(aaiti::test::query_scalar(db.url(), "SELECT count(*) FROM schema_migrations") == "3");
    again.reset();
    for (const char* sql : k_back_to_version_1) aaiti::test::exec_sql(db.url(), sql);
    check_upgraded(*open_store(settings));
    CHECK(aaiti::test::query_scalar(db.url(), "SELECT count(*) FROM schema_migrations") == "3");
}

}  // namespace
}  // namespace aaiti::auth
