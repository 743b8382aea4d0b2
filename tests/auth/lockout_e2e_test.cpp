// The lockout as an attacker meets it, through the built binary on each back end: every password check
// (login and change-password) counts against the same account and address, and a burst of concurrent
// guesses gets no more verdicts than the limit.
#include <catch2/catch.hpp>

#include <latch>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/auth/auth_client.h"

namespace aaiti::test::auth {
namespace {

using nlohmann::json;

constexpr const char* k_password = "correct-horse-1";

BackendKind any_backend() { return GENERATE(BackendKind::sqlite, BackendKind::postgres); }

struct BurstResult {
    std::map<long, int> by_status;            // how many replies had each status
    std::set<std::string> retry_after_on_429;  // the Retry-After values the 429s carried
    int operator[](long status) { return by_status[status]; }
};

// `count` requests sent at once, each from its own thread and connection.
BurstResult burst(const std::string& base_url, const std::string& path, const std::string& body, int count,
                  const std::string& token = {}) {
    std::vector<Reply> replies(static_cast<std::size_t>(count));
    std::latch ready(count);
    std::vector<std::thread> clients;
    for (int i = 0; i < count; ++i)
        clients.emplace_back([&, i] {
            HttpClient http;
            ready.arrive_and_wait();
            replies[static_cast<std::size_t>(i)] = json_request(http, base_url, "POST", path, body, token);
        });
    for (auto& c : clients) c.join();
    BurstResult result;
    for (const auto& r : replies) {
        ++result.by_status[r.status];
        if (r.status == 429) result.retry_after_on_429.insert(r.header("retry-after"));
    }
    return result;
}

TEST_CASE("30 concurrent wrong logins on one account get at most AUTH_LOCKOUT_MAX_FAILURES verdicts, the rest 429", "[e2e]") {
    const auto kind = any_backend();
    INFO("backend " << to_string(kind));
    Backend backend(kind);
    constexpr int k_max = 5, k_burst = 30;
    AuthProcess auth(service_env(backend, {{"AUTH_LOCKOUT_MAX_FAILURES", std::to_string(k_max)}}));
    register_user(auth, "olga", k_password);

    auto statuses = burst(auth.base_url(), "/api/auth/login", json{{"username", "olga"}, {"password", "wrong-pass-1"}}.dump(),
                          k_burst);
    INFO("401: " << statuses[401] << ", 429: " << statuses[429] << ", 503: " << statuses[503]);
    CHECK(statuses[401] <= k_max);
    CHECK(statuses[401] + statuses[429] + statuses[503] == k_burst);  // no 200, no other answer
    // Each attempt is reserved before its password is checked: without refusals for load (503) the
    // first k_max reservations are the only verdicts, whatever the interleaving.
    if (statuses[503] == 0) {
        CHECK(statuses[401] == k_max);
        CHECK(backend.query("SELECT count(*) FROM audit_log WHERE event = 'login_blocked'") == std::to_string(k_burst - k_max));
    }
    CHECK(backend.query("SELECT count(*) FROM audit_log WHERE event = 'login_failed'") == std::to_string(statuses[401]));
    if (statuses[401] == k_max) {
        CHECK(backend.query("SELECT count(*) FROM audit_log WHERE event = 'lockout'") == "1");
        const auto locked = auth.call("POST", "/api/auth/login", json{{"username", "olga"}, {"password", k_password}});
        CHECK(locked.status == 429);
        CHECK(std::stoi(locked.header("retry-after")) > 0);
    }
}

TEST_CASE("change-password is under the login lockout: wrong current passwords lock the account, audited", "[e2e]") {
    const auto kind = any_backend();
    INFO("backend " << to_string(kind));
    Backend backend(kind);
    AuthProcess auth(service_env(backend, {{"AUTH_LOCKOUT_MAX_FAILURES", "3"}}));
    register_user(auth, "pat", k_password);
    const std::string token = login(auth, "pat", k_password)["token"];
    const auto change = [&](const std::string& current) {
        return auth.call("POST", "/api/auth/change-password", json{{"currentPassword", current}, {"newPassword", "new-horse-22"}},
                         token);
    };

    SECTION("a right current password before the limit clears the count, as a login does") {
        CHECK(change("wrong-pass-1").status == 401);
        CHECK(change("wrong-pass-2").status == 401);
        REQUIRE(change(k_password).status == 200);
        CHECK(backend.query("SELECT count(*) FROM login_failures WHERE scope = 'account'") == "0");
        for (int i = 0; i < 2; ++i)
            CHECK(auth.call("POST", "/api/auth/login", json{{"username", "pat"}, {"password", "wrong-pass-1"}}).status == 401);
        login(auth, "pat", "new-horse-22");
    }

    SECTION("after AUTH_LOCKOUT_MAX_FAILURES wrong guesses the right one gets 429, and so does a login") {
        const std::string hash = backend.query("SELECT password_hash FROM users WHERE username = 'pat'");
        for (int i = 0; i < 3; ++i) {
            const auto wrong = change("wrong-pass-" + std::to_string(i));
            CHECK(wrong.status == 401);
            CHECK(wrong.error_field("code") == "invalid_credentials");
        }
        const auto locked = change(k_password);
        CHECK(locked.status == 429);
        CHECK(locked.error_field("code") == "too_many_attempts");
        CHECK(std::stoi(locked.header("retry-after")) > 0);
        CHECK(backend.query("SELECT password_hash FROM users WHERE username = 'pat'") == hash);  // unchanged
        // One counter per account, whichever route checks the password.
        CHECK(auth.call("POST", "/api/auth/login", json{{"username", "pat"}, {"password", k_password}}).status == 429);
        CHECK(backend.query("SELECT count(*) FROM audit_log WHERE event = 'password_change_failed' AND ip <> ''") == "3");
        CHECK(backend.query("SELECT count(*) FROM audit_log WHERE event = 'lockout' AND username = 'pat'") == "1");
        CHECK(backend.query("SELECT count(*) FROM audit_log WHERE event = 'password_change_blocked'") == "1");
        CHECK(backend.query("SELECT count(*) FROM audit_log WHERE event = 'login_blocked'") == "1");
    }

    SECTION("a concurrent burst of wrong current passwords gets at most the limit's verdicts") {
        auto statuses = burst(auth.base_url(), "/api/auth/change-password",
                              json{{"currentPassword", "wrong-pass-1"}, {"newPassword", "new-horse-22"}}.dump(), 12, token);
        INFO("401: " << statuses[401] << ", 429: " << statuses[429] << ", 503: " << statuses[503]);
        CHECK(statuses[401] <= 3);
        CHECK(statuses[401] + statuses[429] + statuses[503] == 12);
        if (statuses[503] == 0) CHECK(statuses[401] == 3);
    }
}

TEST_CASE("concurrent right logins on one account beyond the limit are asked to retry in a second, never locked", "[e2e]") {
    const auto kind = any_backend();
    INFO("backend " << to_string(kind));
    Backend backend(kind);
    AuthProcess auth(service_env(backend, {{"AUTH_LOCKOUT_MAX_FAILURES", "2"}}));
    register_user(auth, "uma", k_password);

    auto statuses = burst(auth.base_url(), "/api/auth/login", json{{"username", "uma"}, {"password", k_password}}.dump(), 12);
    INFO("200: " << statuses[200] << ", 429: " << statuses[429] << ", 503: " << statuses[503]);
    CHECK(statuses[200] >= 2);  // at least the first two reservations
    CHECK(statuses[200] + statuses[429] + statuses[503] == 12);
    // A 429 here only means "attempts in flight": one second, not AUTH_LOCKOUT_DURATION.
    for (const auto& wait : statuses.retry_after_on_429) CHECK(wait == "1");
    CHECK(backend.query("SELECT count(*) FROM audit_log WHERE event = 'lockout'") == "0");
    login(auth, "uma", k_password);
    CHECK(backend.query("SELECT count(*) FROM login_failures") == "0");  // every attempt was given back
}

}  // namespace
}  // namespace aaiti::test::auth
