// The lockout as an attacker meets it, through the built binary on each back end: a burst of concurrent
// guesses gets no more verdicts than the limit.
#include <catch2/catch.hpp>

#include <latch>
#include <map>
#include <thread>
#include <vector>

#include "tests/auth/auth_client.h"

namespace aaiti::test::auth {
namespace {

using nlohmann::json;

constexpr const char* k_password = "correct-horse-1";

BackendKind any_backend() { return GENERATE(BackendKind::sqlite, BackendKind::postgres); }

// `count` requests sent at once, each from its own thread and connection; their statuses by value.
std::map<long, int> burst(const std::string& base_url, const std::string& path, const std::string& body, int count,
                          const std::string& token = {}) {
    std::vector<long> statuses(static_cast<std::size_t>(count));
    std::latch ready(count);
    std::vector<std::thread> clients;
    for (int i = 0; i < count; ++i)
        clients.emplace_back([&, i] {
            HttpClient http;
            ready.arrive_and_wait();
            statuses[static_cast<std::size_t>(i)] = json_request(http, base_url, "POST", path, body, token).status;
        });
    for (auto& c : clients) c.join();
    std::map<long, int> by_status;
    for (const long s : statuses) ++by_status[s];
    return by_status;
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

}  // namespace
}  // namespace aaiti::test::auth
