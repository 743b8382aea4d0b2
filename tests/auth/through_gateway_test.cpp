// The whole user journey through both binaries, as a client sees it: aaiti-gateway in front of
// aaiti-auth (PostgreSQL), sharing the fixture's Redis for revocation and rate limits.
#include <catch2/catch.hpp>

#include <thread>

#include "common/http_client.h"
#include "tests/auth/auth_client.h"
#include "tests/auth/edge_processes.h"
#include "tests/support/network.h"

namespace aaiti::test::auth {
namespace {

std::string error_code(const Reply& r) { return r.body.is_object() ? r.body["error"].value("code", "") : ""; }

TEST_CASE("through the gateway: register, login, profile, refresh, reuse, logout and roles", "[e2e][auth][gateway]") {
    Backend backend(BackendKind::postgres);
    const auto env = service_env(backend);
    AuthProcess auth(env);
    GatewayProcess gateway(auth.base_url(), env);
    const std::string password = "Gateway-Pass-2026";

    const auto registered = gateway.call("POST", "/api/auth/register",
                                         nlohmann::json{{"username", "gwuser"}, {"email", "gw@example.com"}, {"password", password}});
    INFO(registered.raw.body);
    REQUIRE(registered.status == 201);
    const std::string user_id = registered.body["user"]["id"];

    auto login = gateway.call("POST", "/api/auth/login", nlohmann::json{{"username", "gwuser"}, {"password", password}});
    REQUIRE(login.status == 200);
    const std::string token = login.body["token"], refresh = login.body["refreshToken"];

    SECTION("the profile needs a token, checked at the edge") {
        const auto anonymous = gateway.call("GET", "/api/auth/profile");
        CHECK(anonymous.status == 401);
        CHECK(error_code(anonymous) == "missing_token");
        const auto forged = gateway.call("GET", "/api/auth/profile", std::string(), token + "x");
        CHECK(forged.status == 401);
        const auto profile = gateway.call("GET", "/api/auth/profile", std::string(), token);
        INFO(profile.raw.body);
        CHECK(profile.status == 200);
        CHECK(profile.body["user"]["id"] == user_id);
        CHECK_FALSE(profile.raw.header("ratelimit-limit").empty());
    }
    SECTION("refresh rotates; reusing the old refresh token revokes the session at the gateway too") {
        const auto rotated = gateway.call("POST", "/api/auth/refresh", nlohmann::json{{"refreshToken", refresh}});
        INFO(rotated.raw.body);
        REQUIRE(rotated.status == 200);
        const std::string new_token = rotated.body["token"];
        CHECK(gateway.call("GET", "/api/auth/profile", std::string(), new_token).status == 200);

        const auto reused = gateway.call("POST", "/api/auth/refresh", nlohmann::json{{"refreshToken", refresh}});
        CHECK(reused.status == 401);
        const auto after = gateway.call("GET", "/api/auth/profile", std::string(), new_token);
        CHECK(after.status == 401);
        CHECK(error_code(after) == "session_revoked");
    }
    SECTION("logout: the same token is refused by the gateway at once") {
        const auto out = gateway.call("POST", "/api/auth/logout", std::string("{}"), token);
        INFO(out.raw.body);
        CHECK(out.status == 200);
        const auto after = gateway.call("GET", "/api/auth/profile", std::string(), token);
        CHECK(after.status == 401);
        CHECK(error_code(after) == "session_revoked");
    }
    SECTION("a caller cannot give itself a role; bad bodies get 400 and 413") {
        const auto self_admin = gateway.call("POST", "/api/auth/register",
                                             nlohmann::json{{"username", "sneaky"}, {"email", "s@example.com"},
                                                            {"password", password}, {"role", "admin"}});
        CHECK(self_admin.status == 403);
        const auto users = gateway.call("GET", "/api/auth/users", std::string(), token);
        CHECK(users.status == 403);
        CHECK(gateway.call("POST", "/api/auth/login", std::string("{\"username\":")).status == 400);
        CHECK(gateway.call("POST", "/api/auth/login", std::string(5 << 20, 'x')).status == 413);
    }
    SECTION("repeated failed logins lock the account: 429 with Retry-After through the gateway") {
        Reply last;
        for (int i = 0; i < 6; ++i)
            last = gateway.call("POST", "/api/auth/login", nlohmann::json{{"username", "gwuser"}, {"password", "wrong-Password-1"}});
        CHECK(last.status == 429);
        CHECK_FALSE(last.raw.header("retry-after").empty());
    }
}

}  // namespace
}  // namespace aaiti::test::auth
