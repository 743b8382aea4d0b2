// What aaiti-auth accepts as input, through the built binary: bodies only as application/json.
#include <catch2/catch.hpp>

#include "tests/auth/auth_client.h"
#include "tests/kit/raw_http_client.h"

namespace aaiti::test::auth {
namespace {

using nlohmann::json;

constexpr const char* k_password = "correct-horse-1";

TEST_CASE("every route with a body answers 415 to a body not declared application/json, and changes nothing", "[e2e]") {
    Backend backend(BackendKind::sqlite);
    const auto env = service_env(backend);
    AuthProcess auth(env);
    register_user(auth, "quinn", k_password);
    const std::string rita_id = register_user(auth, "rita", k_password)["id"];
    REQUIRE(run_set_role(env, "quinn", "admin").exit_code == 0);
    const std::string admin = login(auth, "quinn", k_password)["token"];
    const auto rita = login(auth, "rita", k_password);
    const std::string token = rita["token"];

    struct Route {
        const char* method;
        std::string path;
        json body;
        std::string token;
    };
    const std::vector<Route> routes = {
        {"POST", "/api/auth/register", {{"username", "sam"}, {"email", "sam@example.com"}, {"password", k_password}}, ""},
        {"POST", "/api/auth/login", {{"username", "rita"}, {"password", k_password}}, ""},
        {"POST", "/api/auth/refresh", {{"refreshToken", rita["refreshToken"]}}, ""},
        {"POST", "/api/auth/verify", {{"token", token}}, ""},
        {"PUT", "/api/auth/profile", {{"firstName", "Rita"}}, token},
        {"POST", "/api/auth/change-password", {{"currentPassword", k_password}, {"newPassword", "new-horse-22"}}, token},
        {"PATCH", "/api/auth/users/" + rita_id + "/role", {{"role", "admin"}}, admin},
    };
    for (const auto& route : routes) {
        INFO(route.method << " " << route.path);
        for (const char* type : {"text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded",
                                 "multipart/form-data; boundary=x", "application/jsonx", "application/json-patch+json", ""}) {
            INFO("Content-Type: " << type);
            const auto r = auth.call_raw(route.method, route.path, route.body.dump(), route.token, {{"Content-Type", type}});
            CHECK(r.status == 415);
            CHECK(r.body["error"]["code"] == "unsupported_media_type");
        }
        // No Content-Type at all (curl would add a form type): the exact bytes on a socket.
        std::vector<std::pair<std::string, std::string>> headers;
        if (!route.token.empty()) headers.push_back({"Authorization", "Bearer " + route.token});
        const auto bare = kit::test::request(static_cast<std::uint16_t>(auth.port()), route.method, route.path, headers,
                                             route.body.dump());
        CHECK(bare.status == 415);
        CHECK(bare.header("Content-Type").find("application/json") != std::string::npos);
    }
    // Nothing was done: no account, no profile change, no new password, no role; the refresh token still rotates.
    CHECK(backend.query("SELECT count(*) FROM users") == "2");
    CHECK(backend.query("SELECT first_name || role FROM users WHERE username = 'rita'") == "user");
    CHECK(backend.query("SELECT count(*) FROM audit_log WHERE event IN ('password_change', 'login_ok', 'refresh')") == "2");
    CHECK(auth.call("POST", "/api/auth/refresh", json{{"refreshToken", rita["refreshToken"]}}).status == 200);

    // application/json in any case, with parameters and blanks, is accepted.
    for (const char* type : {"application/json", "Application/JSON", "application/json; charset=utf-8",
                             " application/json ;charset=UTF-8"}) {
        INFO("Content-Type: " << type);
        CHECK(auth.call_raw("POST", "/api/auth/login", json{{"username", "rita"}, {"password", k_password}}.dump(), "",
                            {{"Content-Type", type}})
                  .status == 200);
    }
}

}  // namespace
}  // namespace aaiti::test::auth
