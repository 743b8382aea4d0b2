// What aaiti-auth accepts as input, through the built binary: bodies only as application/json, and no
// control characters in identifiers on either store.
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
        {"POST", "/api/auth/register",
         {{"username", "sam"}, {"email", "sam@example.com"}, {"password", k_password}}, ""},
        {"POST", "/api/auth/login", {{"username", "rita"}, {"password", k_password}}, ""},
        {"POST", "/api/auth/refresh", {{"refreshToken", rita["refreshToken"]}}, ""},
        {"POST", "/api/auth/verify", {{"token", token}}, ""},
        {"PUT", "/api/auth/profile", {{"firstName", "Rita"}}, token},
        {"POST", "/api/auth/change-password",
         {{"currentPassword", k_password}, {"newPassword", "new-horse-22"}}, token},
        {"PATCH", "/api/auth/users/" + rita_id + "/role", {{"role", "admin"}}, admin},
    };
    for (const auto& route : routes) {
        INFO(route.method << " " << route.path);
        for (const char* type : {"text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded",
                                 "multipart/form-data; boundary=x", "application/jsonx", "application/json-patch+json", ""}) {
            INFO("Content-Type: " << type);
            const auto r = auth.call_raw(route.method, route.path, route.body.dump(), route.token, {{"Content-Type", type}});
            CHECK(r.status == 415);
            CHECK(r.error_field("code") == "unsupported_media_type");
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

BackendKind any_backend() { return GENERATE(BackendKind::sqlite, BackendKind::postgres); }

// What a 400 for `field` breaking the control-character rule looks like.
void check_control_refusal(const Reply& r, const std::string& field) {
    INFO(r.raw.body);
    CHECK(r.status == 400);
    CHECK(r.error_field("code") == "validation_error");
    CHECK(r.error_field("message").rfind(field + " must not contain control characters", 0) == 0);
}

TEST_CASE("control characters in identifiers are refused on every store: a NUL never cuts a login name short", "[e2e]") {
    using namespace std::string_literals;
    const auto kind = any_backend();
    INFO("backend " << to_string(kind));
    Backend backend(kind);
    const auto env = service_env(backend);
    AuthProcess auth(env);
    register_user(auth, "name", k_password);

    const auto login_as = [&](const char* field, const std::string& value) {
        return auth.call("POST", "/api/auth/login", json{{field, value}, {"password", k_password}});
    };
    // On PostgreSQL the NUL used to end the parameter: this signed in as "name" with its password.
    check_control_refusal(login_as("username", "name\0junk"s), "username");
    check_control_refusal(login_as("email", "name@example.com\0junk"s), "email");
    check_control_refusal(login_as("username", "name@example.com\0"s), "username");
    for (const auto& c : {"\x01"s, "\x1f"s, "\x7f"s, "\n"s, "\t"s}) check_control_refusal(login_as("username", "name" + c), "username");
    CHECK(backend.query("SELECT count(*) FROM audit_log WHERE event = 'login_ok'") == "0");
    CHECK(backend.query("SELECT count(*) FROM sessions") == "0");

    const auto register_as = [&](json fields) {
        fields["password"] = k_password;
        if (!fields.contains("email")) fields["email"] = "new@example.com";
        return auth.call("POST", "/api/auth/register", fields);
    };
    check_control_refusal(register_as({{"username", "name\0junk"s}}), "username");
    check_control_refusal(register_as({{"username", "other\0"s}}), "username");
    check_control_refusal(register_as({{"username", "other"}, {"email", "other@example.com\0x"s}}), "email");
    check_control_refusal(register_as({{"username", "other"}, {"firstName", "O\0"s}}), "firstName");
    check_control_refusal(register_as({{"username", "other"}, {"lastName", "O\x7f"s}}), "lastName");
    CHECK(backend.query("SELECT count(*) FROM users") == "1");
    // A username that is given but breaks a rule is told which; "required" is for one that is missing.
    const auto message = [](const Reply& r) { return r.error_field("message"); };
    CHECK(message(register_as({{"username", "ab"}})) == "username must be 3 to 32 characters long (this one has 2)");
    CHECK(message(register_as({{"username", "bad name"}})).find("may contain only letters, digits") != std::string::npos);
    CHECK(message(register_as({{"username", 5}})) == "username must be a string");
    CHECK(message(register_as(json::object())) == "username is required");

    const std::string token = login(auth, "name", k_password)["token"];
    const auto update = [&](const json& fields) { return auth.call("PUT", "/api/auth/profile", fields, token); };
    check_control_refusal(update({{"email", "name2@example.com\0x"s}}), "email");
    check_control_refusal(update({{"firstName", "N\0"s}}), "firstName");
    check_control_refusal(update({{"username", "name\0junk"s}}), "username");
    CHECK(backend.query("SELECT email || first_name FROM users") == "name@example.com");

    // The operator's command: argv cannot carry a NUL, but the other control characters are refused too.
    const auto made = run_set_role(env, "name\x01", "admin");
    CHECK(made.exit_code == 64);
    CHECK(made.err.find("--username must not contain control characters") != std::string::npos);
    CHECK(backend.query("SELECT role FROM users") == "user");
}

}  // namespace
}  // namespace aaiti::test::auth
