// The trust model through the topology the stack deploys: HAProxy (option forwardfor) -> aaiti-gateway
// -> aaiti-auth, each trusting only the hop in front of it. Clients speak from their own loopback
// addresses, so each hop sees one peer while the clients are many; on SQLite with Redis gone (the
// gateway's local limiter) and on PostgreSQL with the fixture's Redis.
#include <catch2/catch.hpp>

#include "tests/auth/auth_client.h"
#include "tests/auth/edge_processes.h"
#include "tests/support/network.h"

namespace aaiti::test::auth {
namespace {

struct Edge {
    Edge(BackendKind kind, std::vector<std::pair<std::string, std::string>> gateway_extra = {})
        : backend(kind),
          env(service_env(backend, {{"TRUSTED_PROXIES", "127.0.0.1"}, {"AUTH_LOCKOUT_MAX_FAILURES", "5"}})),
          auth(with_redis(env, kind)),
          gateway(auth.base_url(), concat(with_redis(env, kind), std::move(gateway_extra))),
          haproxy(gateway.port()) {}

    // SQLite runs as the embedded default does: no Redis (a closed port; the gateway limits locally).
    static std::vector<std::pair<std::string, std::string>> with_redis(std::vector<std::pair<std::string, std::string>> e,
                                                                       BackendKind kind) {
        if (kind == BackendKind::sqlite) e.emplace_back("REDIS_URL", "redis://127.0.0.1:" + std::to_string(free_loopback_port()));
        return e;
    }
    static std::vector<std::pair<std::string, std::string>> concat(std::vector<std::pair<std::string, std::string>> a,
                                                                   std::vector<std::pair<std::string, std::string>> b) {
        for (auto& kv : b) a.push_back(std::move(kv));
        return a;
    }

    Backend backend;
    std::vector<std::pair<std::string, std::string>> env;
    AuthProcess auth;
    GatewayProcess gateway;
    HaproxyProcess haproxy;
};

nlohmann::json credentials(const std::string& username, const std::string& password) {
    return {{"username", username}, {"password", password}};
}

}  // namespace

TEST_CASE("behind HAProxy one client's wrong logins lock out that client, never another", "[e2e][auth][gateway]") {
    const BackendKind kind = GENERATE(BackendKind::sqlite, BackendKind::postgres);
    INFO(to_string(kind));
    Edge edge(kind);
    const std::string password = "Proxied-Pass-2026";
    ClientAt attacker("127.0.0.2", edge.haproxy.base_url());
    ClientAt other("127.0.0.3", edge.haproxy.base_url());
    const auto registered = other.call("POST", "/api/auth/register",
                                       {{"username", "bob"}, {"email", "bob@example.com"}, {"password", password}});
    INFO(registered.raw.body);
    REQUIRE(registered.status == 201);

    // 21 wrong passwords from one address, each for another account: no account locks, the address
    // does at 20 (4x AUTH_LOCKOUT_MAX_FAILURES).
    int refused = 0;
    for (int i = 0; i < 21; ++i) {
        const auto r = attacker.call("POST", "/api/auth/login", credentials("ghost" + std::to_string(i), "wrong-pass-1"));
        if (r.status == 429) ++refused;
        CHECK((r.status == 401 || r.status == 429));
    }
    CHECK(refused > 0);
    const auto locked = attacker.call("POST", "/api/auth/login", credentials("bob", password));
    CHECK(locked.status == 429);  // the address is locked, even with the right password

    // The other client, through the same HAProxy and gateway, is not that address.
    const auto ok = other.call("POST", "/api/auth/login", credentials("bob", password));
    INFO(ok.raw.body);
    CHECK(ok.status == 200);

    // The audit log names the clients, not the proxies.
    CHECK(edge.backend.query("SELECT ip FROM audit_log WHERE event = 'login_failed' ORDER BY id DESC LIMIT 1") == "127.0.0.2");
    CHECK(edge.backend.query("SELECT ip FROM audit_log WHERE event = 'login_ok' ORDER BY id DESC LIMIT 1") == "127.0.0.3");
}

TEST_CASE("behind HAProxy every client has its own rate-limit bucket, and forging X-Forwarded-For buys none",
          "[e2e][auth][gateway]") {
    const BackendKind kind = GENERATE(BackendKind::sqlite, BackendKind::postgres);
    INFO(to_string(kind));
    Edge edge(kind, {{"RATE_LIMIT_MAX", "5"}});
    ClientAt greedy("127.0.0.4", edge.haproxy.base_url());
    ClientAt other("127.0.0.5", edge.haproxy.base_url());
    const nlohmann::json bad_token = {{"token", "not-a-token"}};
    for (int i = 0; i < 5; ++i) CHECK(greedy.call("POST", "/api/auth/verify", bad_token).status == 401);
    CHECK(greedy.call("POST", "/api/auth/verify", bad_token).status == 429);
    // A new X-Forwarded-For of its own choosing: HAProxy appends the real address after it.
    CHECK(greedy.call("POST", "/api/auth/verify", bad_token, {}, {{"X-Forwarded-For", "198.51.100.77"}}).status == 429);
    CHECK(other.call("POST", "/api/auth/verify", bad_token).status == 401);
}

TEST_CASE("aaiti-auth ignores X-Forwarded-For from a peer it does not trust", "[e2e][auth]") {
    Backend backend(BackendKind::sqlite);
    AuthProcess auth(service_env(backend, {{"TRUSTED_PROXIES", "127.0.0.9"}}));
    ClientAt direct("127.0.0.6", auth.base_url());
    const auto r = direct.call("POST", "/api/auth/login", credentials("nobody", "wrong-pass-1"), {},
                               {{"X-Forwarded-For", "203.0.113.50"}});
    CHECK(r.status == 401);
    CHECK(backend.query("SELECT ip FROM audit_log WHERE event = 'login_failed' ORDER BY id DESC LIMIT 1") == "127.0.0.6");
}

TEST_CASE("a malformed TRUSTED_PROXIES stops aaiti-auth and aaiti-gateway with exit 78, naming the entry", "[e2e][auth][gateway]") {
    for (const char* binary : {"aaiti-auth", "aaiti-gateway"}) {
        INFO(binary);
        ProcessOptions options;
        options.inherit_environment = false;
        options.env = {{"JWT_SECRET", "test-secret-0123456789abcdef-0123456789"}, {"TRUSTED_PROXIES", "127.0.0.1,10.0.0.0/40"},
                       {"SQLITE_DB_PATH", ":memory:"}};
        const auto r = run_process({binary_path(binary), "--listen", "127.0.0.1:0"}, options);
        CHECK(r.exit_code == 78);
        CHECK_THAT(r.err, Catch::Contains("TRUSTED_PROXIES") && Catch::Contains("10.0.0.0/40"));
    }
}

}  // namespace aaiti::test::auth
