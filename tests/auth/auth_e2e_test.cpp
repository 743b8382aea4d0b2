// aaiti-auth as a client sees it: the built binary on a free port, over HTTP, against real servers.
// Every scenario runs on both back ends (GENERATE): a SQLite file and a PostgreSQL database.
#include <catch2/catch.hpp>

#include <crypt.h>

#include <chrono>
#include <memory>
#include <set>
#include <thread>

#include "common/revocation.h"
#include "tests/auth/auth_client.h"
#include "tests/support/network.h"

namespace aaiti::test::auth {
namespace {

using nlohmann::json;

constexpr const char* k_password = "correct-horse-1";

BackendKind any_backend() { return GENERATE(BackendKind::sqlite, BackendKind::postgres); }

std::string sid_of(const std::string& token) {
    // The payload is the middle part; the tests read sid without verifying (the service verifies).
    const auto first = token.find('.'), second = token.find('.', first + 1);
    std::string payload = token.substr(first + 1, second - first - 1);
    for (auto& ch : payload) ch = ch == '-' ? '+' : ch == '_' ? '/' : ch;
    while (payload.size() % 4) payload += '=';
    static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    int value = 0, bits = -8;
    for (const char ch : payload) {
        if (ch == '=') break;
        value = (value << 6) + static_cast<int>(alphabet.find(ch));
        bits += 6;
        if (bits >= 0) {
            out.push_back(static_cast<char>((value >> bits) & 0xff));
            bits -= 8;
        }
    }
    return json::parse(out).at("sid").get<std::string>();
}

TEST_CASE("register, login, profile, refresh rotation and logout on each back end", "[e2e]") {
    const auto kind = any_backend();
    INFO("backend " << to_string(kind));
    Backend backend(kind);
    AuthProcess auth(service_env(backend));

    const auto reg = auth.call("POST", "/api/auth/register",
                               json{{"username", "alice"},
                                    {"email", "Alice@Example.com"},
                                    {"password", k_password},
                                    {"firstName", "Alice"}});
    REQUIRE(reg.status == 201);
    CHECK(reg.body["message"].is_string());
    CHECK(reg.body["user"]["username"] == "alice");
    CHECK(reg.body["user"]["email"] == "alice@example.com");
    CHECK(reg.body["user"]["role"] == "user");
    CHECK(reg.body["user"]["id"].get<std::string>().size() == 36);
    CHECK_FALSE(reg.body["user"].contains("passwordHash"));

    SECTION("a taken username or e-mail is 409") {
        CHECK(auth.call("POST", "/api/auth/register",
                        json{{"username", "ALICE"}, {"email", "other@example.com"}, {"password", k_password}})
                  .status == 409);
        CHECK(auth.call("POST", "/api/auth/register",
                        json{{"username", "alice2"}, {"email", "alice@example.com"}, {"password", k_password}})
                  .status == 409);
    }

    const auto session = login(auth, "alice", k_password);
    for (const char* key : {"message", "token", "refreshToken", "expiresIn", "user"}) CHECK(session.contains(key));
    const std::string token = session["token"];
    CHECK(auth.call("POST", "/api/auth/login", json{{"email", "alice@example.com"}, {"password", k_password}}).status == 200);
    CHECK(auth.call("POST", "/api/auth/login", json{{"username", "ALICE@example.com"}, {"password", k_password}}).status == 200);

    const auto profile = auth.call("GET", "/api/auth/profile", std::nullopt, token);
    REQUIRE(profile.status == 200);
    CHECK(profile.body["user"]["firstName"] == "Alice");
    CHECK(auth.call("GET", "/api/auth/profile").status == 401);

    const auto updated = auth.call("PUT", "/api/auth/profile", json{{"lastName", "Liddell"}}, token);
    REQUIRE(updated.status == 200);
    CHECK(updated.body["user"]["lastName"] == "Liddell");

    const auto verified = auth.call("POST", "/api/auth/verify", json{{"token", token}});
    REQUIRE(verified.status == 200);
    CHECK(verified.body["valid"] == true);
    CHECK(verified.body["user"]["username"] == "alice");

    SECTION("refresh rotates; reusing the old refresh token revokes the whole family") {
        const std::string first_refresh = session["refreshToken"];
        const auto rotated = auth.call("POST", "/api/auth/refresh", json{{"refreshToken", first_refresh}});
        REQUIRE(rotated.status == 200);
        const std::string second_refresh = rotated.body["refreshToken"];
        const std::string second_access = rotated.body["token"];
        CHECK(second_refresh != first_refresh);
        CHECK(auth.call("GET", "/api/auth/profile", std::nullopt, second_access).status == 200);

        const auto reused = auth.call("POST", "/api/auth/refresh", json{{"refreshToken", first_refresh}});
        CHECK(reused.status == 401);
        // The family is gone: the newest refresh token and every access token of the session.
        CHECK(auth.call("POST", "/api/auth/refresh", json{{"refreshToken", second_refresh}}).status == 401);
        CHECK(auth.call("POST", "/api/auth/verify", json{{"token", second_access}}).status == 401);
        CHECK(auth.call("GET", "/api/auth/profile", std::nullopt, token).status == 401);
        CHECK(redis_key_exists(revocation::session_key(sid_of(second_access))));
        CHECK(backend.query("SELECT count(*) FROM audit_log WHERE event = 'refresh_reuse' AND request_id <> '' AND ip <> ''") ==
              "1");
    }

    SECTION("logout: the token is refused at once, by verify and in Redis for the gateway") {
        const auto out = auth.call("POST", "/api/auth/logout", std::nullopt, token);
        REQUIRE(out.status == 200);
        const auto after = auth.call("POST", "/api/auth/verify", json{{"token", token}});
        CHECK(after.status == 401);
        CHECK(after.body["valid"] == false);
        CHECK(after.body["error"]["code"] == "unauthorized");
        CHECK(auth.call("GET", "/api/auth/profile", std::nullopt, token).status == 401);
        CHECK(redis_key_exists(revocation::session_key(sid_of(token))));
        CHECK(auth.call("POST", "/api/auth/refresh", json{{"refreshToken", session["refreshToken"]}}).status == 401);
        CHECK(backend.query("SELECT count(*) FROM audit_log WHERE event = 'logout'") == "1");
    }

    SECTION("change-password revokes every session and the new password works") {
        const auto second = login(auth, "alice", k_password);
        const auto changed = auth.call("POST", "/api/auth/change-password",
                                       json{{"currentPassword", k_password}, {"newPassword", "new-horse-22"}}, token);
        REQUIRE(changed.status == 200);
        CHECK(auth.call("GET", "/api/auth/profile", std::nullopt, token).status == 401);
        CHECK(auth.call("GET", "/api/auth/profile", std::nullopt, second["token"]).status == 401);
        CHECK(auth.call("POST", "/api/auth/login", json{{"username", "alice"}, {"password", k_password}}).status == 401);
        login(auth, "alice", "new-horse-22");
    }
}

TEST_CASE("nobody can give themselves a role", "[e2e]") {
    const auto kind = any_backend();
    INFO("backend " << to_string(kind));
    Backend backend(kind);
    AuthProcess auth(service_env(backend));

    const auto reg = auth.call("POST", "/api/auth/register",
                               json{{"username", "mallory"}, {"email", "m@example.com"}, {"password", k_password}, {"role", "admin"}});
    CHECK(reg.status == 403);
    CHECK(reg.body["error"]["code"] == "role_not_allowed");
    CHECK(backend.query("SELECT count(*) FROM users") == "0");

    const auto user = register_user(auth, "mallory", k_password);
    const std::string token = login(auth, "mallory", k_password)["token"];
    CHECK(auth.call("PUT", "/api/auth/profile", json{{"role", "admin"}}, token).status == 403);
    CHECK(auth.call("PATCH", "/api/auth/users/" + user["id"].get<std::string>() + "/role", json{{"role", "admin"}}, token)
              .status == 403);
    CHECK(auth.call("GET", "/api/auth/users", std::nullopt, token).status == 403);
    CHECK(auth.call("GET", "/api/auth/audit", std::nullopt, token).status == 403);
    CHECK(backend.query("SELECT role FROM users") == "user");
}

TEST_CASE("an operator makes an admin with set-role; admins manage roles, users and read the audit", "[e2e]") {
    const auto kind = any_backend();
    INFO("backend " << to_string(kind));
    Backend backend(kind);
    const auto env = service_env(backend);
    AuthProcess auth(env);
    register_user(auth, "root", k_password);
    const auto bob = register_user(auth, "bob", k_password);
    const std::string old_token = login(auth, "root", k_password)["token"];

    const auto made = run_set_role(env, "root", "admin");
    INFO(made.err);
    REQUIRE(made.exit_code == 0);
    CHECK(auth.call("GET", "/api/auth/profile", std::nullopt, old_token).status == 401);  // role change ends sessions
    CHECK(run_set_role(env, "nobody", "admin").exit_code == 65);
    CHECK(run_set_role(env, "root", "superuser").exit_code == 64);

    const std::string admin = login(auth, "root", k_password)["token"];
    const auto users = auth.call("GET", "/api/auth/users?limit=10", std::nullopt, admin);
    REQUIRE(users.status == 200);
    CHECK(users.body["users"].size() == 2);
    CHECK(auth.call("GET", "/api/auth/users?limit=x", std::nullopt, admin).status == 400);

    const std::string bob_id = bob["id"];
    const std::string bob_token = login(auth, "bob", k_password)["token"];
    const auto promoted = auth.call("PATCH", "/api/auth/users/" + bob_id + "/role", json{{"role", "admin"}}, admin);
    REQUIRE(promoted.status == 200);
    CHECK(promoted.body["user"]["role"] == "admin");
    CHECK(auth.call("GET", "/api/auth/profile", std::nullopt, bob_token).status == 401);
    CHECK(auth.call("PATCH", "/api/auth/users/" + bob_id + "/role", json{{"role", "god"}}, admin).status == 400);
    CHECK(auth.call("PATCH", "/api/auth/users/00000000-0000-4000-8000-000000000000/role", json{{"role", "user"}}, admin)
              .status == 404);

    const auto audit = auth.call("GET", "/api/auth/audit?limit=100", std::nullopt, admin);
    REQUIRE(audit.status == 200);
    std::set<std::string> events;
    for (const auto& e : audit.body["events"]) events.insert(e["event"].get<std::string>());
    for (const char* e : {"register", "login_ok", "role_change"}) CHECK(events.count(e) == 1);

    const std::string bob_again = login(auth, "bob", k_password)["token"];
    CHECK(auth.call("DELETE", "/api/auth/users/" + bob_id, std::nullopt, admin).status == 200);
    CHECK(auth.call("GET", "/api/auth/profile", std::nullopt, bob_again).status == 401);
    CHECK(auth.call("POST", "/api/auth/login", json{{"username", "bob"}, {"password", k_password}}).status == 401);
    CHECK(backend.query("SELECT count(*) FROM audit_log WHERE event = 'user_delete'") == "1");
}

TEST_CASE("failed logins lock the account: 429 with Retry-After, even for the right password", "[e2e]") {
    const auto kind = any_backend();
    INFO("backend " << to_string(kind));
    Backend backend(kind);
    AuthProcess auth(service_env(backend, {{"AUTH_LOCKOUT_MAX_FAILURES", "3"}}));
    register_user(auth, "carol", k_password);

    for (int i = 0; i < 3; ++i)
        CHECK(auth.call("POST", "/api/auth/login", json{{"username", "carol"}, {"password", "wrong-pass-1"}}).status == 401);
    const auto locked = auth.call("POST", "/api/auth/login", json{{"username", "carol"}, {"password", k_password}});
    CHECK(locked.status == 429);
    CHECK(locked.body["error"]["code"] == "too_many_attempts");
    CHECK(std::stoi(locked.header("retry-after")) > 0);
    CHECK(backend.query("SELECT count(*) FROM audit_log WHERE event = 'lockout'") == "1");
    CHECK(backend.query("SELECT count(*) FROM audit_log WHERE event = 'login_failed'") == "3");
    // An unknown user is counted the same way and never told apart from a wrong password.
    const auto unknown = auth.call("POST", "/api/auth/login", json{{"username", "nobody"}, {"password", "wrong-pass-1"}});
    CHECK(unknown.status == 401);
    CHECK(unknown.body["error"]["code"] == "invalid_credentials");

    const auto metrics = auth.call_raw("GET", "/metrics", "");
    CHECK(metrics.raw.body.find("auth_logins_total{result=\"locked\"} 1") != std::string::npos);
}

TEST_CASE("an account migrated with a bcrypt hash logs in and is rehashed to argon2id", "[e2e]") {
    const auto kind = any_backend();
    INFO("backend " << to_string(kind));
    Backend backend(kind);
    AuthProcess auth(service_env(backend));
    register_user(auth, "dave", k_password);

    // A $2b$ hash as the Node app (bcryptjs) stored it, made with libxcrypt.
    const std::string legacy_password = "Legacy-pass-9";
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    REQUIRE(crypt_gensalt_rn("$2b$", 4, nullptr, 0, setting, sizeof setting));
    auto data = std::make_unique<crypt_data>();
    const char* hashed = crypt_rn(legacy_password.c_str(), setting, data.get(), sizeof(crypt_data));
    REQUIRE(hashed);
    const std::string bcrypt_hash = hashed;
    REQUIRE(bcrypt_hash.rfind("$2b$", 0) == 0);
    backend.exec("UPDATE users SET password_hash = '" + bcrypt_hash + "' WHERE username = 'dave'");

    CHECK(auth.call("POST", "/api/auth/login", json{{"username", "dave"}, {"password", "Wrong-pass-9"}}).status == 401);
    CHECK(backend.query("SELECT password_hash FROM users WHERE username = 'dave'") == bcrypt_hash);
    login(auth, "dave", legacy_password);
    const auto stored = backend.query("SELECT password_hash FROM users WHERE username = 'dave'");
    CHECK(stored.rfind("$argon2id$", 0) == 0);
    login(auth, "dave", legacy_password);  // and the new hash verifies
}

TEST_CASE("bad input gets a clear 400: malformed JSON and the password policy", "[e2e]") {
    const auto kind = any_backend();
    INFO("backend " << to_string(kind));
    Backend backend(kind);
    AuthProcess auth(service_env(backend));

    for (const char* body : {"{bad", "[1,2]", "\"text\"", ""}) {
        const auto r = auth.call_raw("POST", "/api/auth/login", body, "", {{"Content-Type", "application/json"}});
        INFO(body);
        CHECK(r.status == 400);
        CHECK(r.body["error"]["code"] == "invalid_json");
        CHECK(r.body["error"]["request_id"].is_string());
    }
    CHECK(auth.call_raw("POST", "/api/auth/register", "{\"username\":").status == 400);

    const auto weak = [&](const std::string& password) {
        return auth.call("POST", "/api/auth/register",
                         json{{"username", "erin"}, {"email", "erin@example.com"}, {"password", password}});
    };
    const auto short_one = weak("ab1");
    CHECK(short_one.status == 400);
    CHECK(short_one.body["error"]["code"] == "weak_password");
    CHECK(short_one.body["error"]["message"].get<std::string>().find("at least 8") != std::string::npos);
    CHECK(weak("onlyletters").body["error"]["message"].get<std::string>().find("letter and one digit") != std::string::npos);
    CHECK(weak("Erin1234").status == 201);  // meets the policy
    CHECK(auth.call("POST", "/api/auth/register", json{{"username", "x"}, {"email", "x@example.com"}, {"password", k_password}})
              .status == 400);
    CHECK(auth.call("POST", "/api/auth/register", json{{"username", "frank"}, {"email", "nope"}, {"password", k_password}})
              .status == 400);
    CHECK(auth.call("POST", "/api/auth/login", json{{"username", 5}, {"password", k_password}}).status == 400);
}

TEST_CASE("aaiti-auth refuses to start without JWT_SECRET (78), without its database (69, 74), on bad flags (64)", "[e2e]") {
    ProcessOptions options;
    options.inherit_environment = false;
    TempDir dir;
    options.env = {};  // JWT_SECRET is checked before any database is opened
    const auto r = run_process({binary_path("aaiti-auth"), "--listen", "127.0.0.1:0"}, options);
    CHECK(r.exit_code == 78);
    CHECK(r.err.find("JWT_SECRET") != std::string::npos);
    CHECK(run_process({binary_path("aaiti-auth"), "--no-such-flag"}, options).exit_code == 64);

    options.env.push_back({"JWT_SECRET", "x-secret-0123456789abcdef0123456789"});
    SECTION("an unreachable PostgreSQL is exit 69, its password masked") {
        options.env.push_back(
            {"WRITE_DB_URL", "postgresql://app:hunter2@127.0.0.1:" + std::to_string(free_loopback_port()) + "/x"});
        const auto down = run_process({binary_path("aaiti-auth"), "--listen", "127.0.0.1:0"}, options);
        CHECK(down.exit_code == 69);
        CHECK(down.err.find("hunter2") == std::string::npos);
        CHECK(down.err.find("app:****@") != std::string::npos);
    }
    SECTION("a SQLite path that cannot be created is exit 74") {
        const auto file = dir.write_file("not-a-dir", "x");
        options.env.push_back({"SQLITE_DB_PATH", (file / "auth.sqlite").string()});
        const auto bad = run_process({binary_path("aaiti-auth"), "--listen", "127.0.0.1:0"}, options);
        CHECK(bad.exit_code == 74);
        CHECK(bad.err.find("SQLITE_DB_PATH") != std::string::npos);
    }
    CHECK(run_process({binary_path("aaiti-auth"), "--help"}, options).exit_code == 0);
}

TEST_CASE("aaiti-auth refuses a short or placeholder JWT_SECRET, or JWT_PREVIOUS_SECRETS entry, at start-up (78)", "[e2e]") {
    Backend backend(BackendKind::sqlite);
    const std::string good = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
    const std::vector<std::pair<std::vector<std::pair<std::string, std::string>>, std::string>> cases = {
        {{{"JWT_SECRET", "abcde"}}, "JWT_SECRET is 5 bytes long"},
        {{{"JWT_SECRET", "your-super-secret-jwt-key-change-in-production"}}, "JWT_SECRET is a placeholder"},
        {{{"JWT_SECRET", good}, {"JWT_PREVIOUS_SECRETS", "changeme"}}, "JWT_PREVIOUS_SECRETS entry 1 is a placeholder"},
    };
    for (const auto& [extra, says] : cases) {
        INFO(says);
        ProcessOptions options;
        options.inherit_environment = false;
        options.env = service_env(backend, extra);
        const auto r = run_process({binary_path("aaiti-auth"), "--listen", "127.0.0.1:0"}, options);
        CHECK(r.exit_code == 78);
        CHECK(r.err.find(says) != std::string::npos);
        CHECK(r.err.find("openssl rand -hex 32") != std::string::npos);
        CHECK(r.err.find("your-super-secret") == std::string::npos);  // the value is never echoed
    }
    // Checked before the store is opened: an unreachable database does not hide a weak secret.
    ProcessOptions options;
    options.inherit_environment = false;
    options.env = {{"JWT_SECRET", "abcde"}, {"WRITE_DB_URL", "postgresql://aaiti@127.0.0.1:" + std::to_string(free_loopback_port()) + "/none"}};
    const auto r = run_process({binary_path("aaiti-auth"), "--listen", "127.0.0.1:0"}, options);
    CHECK(r.exit_code == 78);
    CHECK(r.err.find("JWT_SECRET is 5 bytes long") != std::string::npos);
}

TEST_CASE("on PostgreSQL with READ_DB_URL on the streaming replica, reads come from the replica", "[e2e]") {
    Backend backend(BackendKind::postgres_replica);
    const auto env = service_env(backend);
    const auto& servers = test_servers();
    AuthProcess auth(env);

    // The pool on READ_DB_URL connects at start: the service holds connections on the replica.
    const auto on_replica = query_scalar(servers.pg_replica_superuser_url,
                                         "SELECT count(*) FROM pg_stat_activity WHERE datname = '" +
                                             backend.database_name() + "' AND application_name = 'aaiti-auth'");
    CHECK(std::stoi(on_replica) >= 1);
    CHECK(query_scalar(servers.pg_replica_url(backend.database_name()), "SELECT pg_is_in_recovery()") == "t");

    register_user(auth, "grace", k_password);
    register_user(auth, "heidi", k_password);
    REQUIRE(run_set_role(env, "grace", "admin").exit_code == 0);
    const std::string admin = login(auth, "grace", k_password)["token"];
    // The profile is read with its session check, in one query on the primary.
    CHECK(auth.call("GET", "/api/auth/profile", std::nullopt, admin).status == 200);

    // Wait until the replica has replayed everything the primary wrote so far (the migrations, both
    // accounts, the role). Until then a read there fails and the primary answers instead, with a warning,
    // so a list that shows both accounts proves nothing by itself.
    const std::string written = query_scalar(servers.pg_superuser_url, "SELECT pg_current_wal_lsn()");
    bool replayed = false;
    for (int i = 0; i < 600 && !replayed; ++i) {
        replayed = query_scalar(servers.pg_replica_superuser_url, "SELECT pg_last_wal_replay_lsn() >= '" + written + "'::pg_lsn") == "t";
        if (!replayed) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE(replayed);
    // Now the list comes from the replica: no fallback is logged for it, and a session of the service on
    // the replica ran the list query as its last one.
    const auto fallbacks = [&] {
        const std::string log = auth.err();
        std::size_t n = 0;
        for (auto at = log.find("replica read failed"); at != std::string::npos; at = log.find("replica read failed", at + 1)) ++n;
        return n;
    };
    const std::size_t fallbacks_before = fallbacks();
    const auto users = auth.call("GET", "/api/auth/users", std::nullopt, admin);
    REQUIRE(users.status == 200);
    CHECK(users.body["users"].size() == 2);
    CHECK(fallbacks() == fallbacks_before);
    const auto listed_on_replica = query_scalar(
        servers.pg_replica_superuser_url,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + backend.database_name() +
            "' AND application_name = 'aaiti-auth' AND state = 'idle' AND query LIKE '%FROM users ORDER BY created_at%'");
    CHECK(std::stoi(listed_on_replica) >= 1);
    // Writes still work (they go to the primary: the replica is read-only).
    CHECK(auth.call("PUT", "/api/auth/profile", json{{"firstName", "Grace"}}, admin).status == 200);
    const std::string token = login(auth, "heidi", k_password)["token"];
    CHECK(auth.call("POST", "/api/auth/logout", std::nullopt, token).status == 200);
    CHECK(auth.call("POST", "/api/auth/verify", json{{"token", token}}).status == 401);
}

}  // namespace
}  // namespace aaiti::test::auth

namespace aaiti::test::auth {
namespace {

using nlohmann::json;

TEST_CASE("one client address failing on many accounts is locked out by IP, others are not", "[e2e]") {
    const auto kind = any_backend();
    INFO("backend " << to_string(kind));
    Backend backend(kind);
    // The test speaks as the gateway: a trusted proxy whose last X-Forwarded-For entry is the client.
    AuthProcess auth(service_env(backend, {{"AUTH_LOCKOUT_MAX_FAILURES", "2"}, {"TRUSTED_PROXIES", "127.0.0.1"}}));  // 8 per IP
    register_user(auth, "ivan", k_password);
    const HttpHeaders attacker = {{"X-Forwarded-For", "198.51.100.1, 203.0.113.7"}};
    const HttpHeaders someone_else = {{"X-Forwarded-For", "203.0.113.8"}};
    for (int i = 0; i < 8; ++i) {
        const auto body = json{{"username", "guess" + std::to_string(i)}, {"password", "wrong-pass-1"}}.dump();
        CHECK(auth.call_raw("POST", "/api/auth/login", body, "", attacker).status == 401);
    }
    const auto good = json{{"username", "ivan"}, {"password", k_password}}.dump();
    const auto locked = auth.call_raw("POST", "/api/auth/login", good, "", attacker);
    CHECK(locked.status == 429);
    CHECK_FALSE(locked.header("retry-after").empty());
    CHECK(auth.call_raw("POST", "/api/auth/login", good, "", someone_else).status == 200);
    CHECK(backend.query("SELECT count(*) FROM audit_log WHERE event = 'login_failed' AND ip = '203.0.113.7'") == "8");
}

TEST_CASE("rotating JWT_SECRET keeps sessions: tokens signed with a previous secret still verify", "[e2e]") {
    Backend backend(BackendKind::sqlite);
    std::string token, refresh;
    {
        AuthProcess auth(service_env(backend, {{"JWT_SECRET", "old-secret-0123456789abcdef0123456789"}}));
        register_user(auth, "judy", k_password);
        const auto session = login(auth, "judy", k_password);
        token = session["token"];
        refresh = session["refreshToken"];
    }
    AuthProcess auth(service_env(backend, {{"JWT_SECRET", "new-secret-0123456789abcdef0123456789"}, {"JWT_PREVIOUS_SECRETS", "old-secret-0123456789abcdef0123456789"}}));
    CHECK(auth.call("GET", "/api/auth/profile", std::nullopt, token).status == 200);
    const auto rotated = auth.call("POST", "/api/auth/refresh", json{{"refreshToken", refresh}});
    REQUIRE(rotated.status == 200);
    CHECK(auth.call("GET", "/api/auth/profile", std::nullopt, rotated.body["token"]).status == 200);

    AuthProcess forgotten(service_env(backend, {{"JWT_SECRET", "new-secret-0123456789abcdef0123456789"}}));
    CHECK(forgotten.call("GET", "/api/auth/profile", std::nullopt, token).status == 401);
}

TEST_CASE("with Redis down, logout still revokes the session in auth and the failure is counted", "[e2e]") {
    Backend backend(BackendKind::sqlite);
    const int closed_port = free_loopback_port();
    AuthProcess auth(service_env(backend, {{"REDIS_URL", "redis://127.0.0.1:" + std::to_string(closed_port)}}));
    register_user(auth, "kim", k_password);
    const std::string token = login(auth, "kim", k_password)["token"];
    CHECK(auth.call("POST", "/api/auth/logout", std::nullopt, token).status == 200);
    CHECK(auth.call("POST", "/api/auth/verify", json{{"token", token}}).status == 401);
    const auto metrics = auth.call_raw("GET", "/metrics", "");
    CHECK(metrics.raw.body.find("auth_revocation_publish_failures_total 1") != std::string::npos);
}

}  // namespace
}  // namespace aaiti::test::auth

namespace aaiti::test::auth {
namespace {

using nlohmann::json;

TEST_CASE("the same refresh token used twice at once: one rotation wins, the other revokes the family", "[e2e]") {
    const auto kind = any_backend();
    INFO("backend " << to_string(kind));
    Backend backend(kind);
    AuthProcess auth(service_env(backend));
    register_user(auth, "leo", k_password);
    const std::string refresh = login(auth, "leo", k_password)["refreshToken"];

    // Two clients, two connections, the same token. Whatever the interleaving, only one can rotate.
    Reply first, second;
    {
        AuthProcess* service = &auth;
        std::thread other([&] {
            HttpClient client;
            HttpRequest request;
            request.method = "POST";
            request.url = service->base_url() + "/api/auth/refresh";
            request.headers = {{"Content-Type", "application/json"}};
            request.body = json{{"refreshToken", refresh}}.dump();
            second.raw = client.send(request);
            second.status = second.raw.status;
        });
        first = auth.call("POST", "/api/auth/refresh", json{{"refreshToken", refresh}});
        other.join();
    }
    const std::multiset<long> statuses = {first.status, second.status};
    CHECK(statuses == std::multiset<long>{200, 401});
    const auto& winner = first.status == 200 ? first.body : json::parse(second.raw.body);
    // The family was revoked by the loser, so even the winner's new tokens are dead.
    CHECK(auth.call("POST", "/api/auth/refresh", json{{"refreshToken", winner["refreshToken"]}}).status == 401);
    CHECK(auth.call("POST", "/api/auth/verify", json{{"token", winner["token"]}}).status == 401);
    CHECK(backend.query("SELECT count(*) FROM audit_log WHERE event = 'refresh_reuse'") == "1");
}

}  // namespace
}  // namespace aaiti::test::auth
