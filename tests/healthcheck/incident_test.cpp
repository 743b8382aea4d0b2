// Thresholds, incidents, reminders and recovery (apply_round), the state file, and report shapes.
#include <catch2/catch.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "healthcheck/alert_channels.h"
#include "healthcheck/alert_message.h"
#include "healthcheck/report.h"
#include "healthcheck/state_file.h"
#include "tests/support/temp_dir.h"

using Catch::Matchers::Contains;

namespace aaiti::health {
namespace {

ProbeResult probe(bool ok) {
    ProbeResult r;
    r.target = "api";
    r.connected = true;
    r.status = ok ? 200 : 500;
    r.conditions.push_back({"status == 200", ok, std::to_string(r.status)});
    r.success = ok;
    return r;
}

TEST_CASE("incidents: unhealthy after N failures, one alert, healthy after M successes with the downtime", "[health]") {
    HealthState state;
    const Thresholds t{3, 2, std::chrono::seconds(0)};
    CHECK(apply_round(state, {probe(true)}, t, 1000).empty());
    CHECK(apply_round(state, {probe(false)}, t, 1010).empty());
    CHECK(status_of(state.targets["api"]) == TargetStatus::failing);
    CHECK(apply_round(state, {probe(false)}, t, 1020).empty());
    const auto down = apply_round(state, {probe(false)}, t, 1030);
    REQUIRE(down.size() == 1);
    CHECK(down[0].kind == AlertKind::failure);
    CHECK(down[0].since == 1010);  // the first failure, not the one that crossed the threshold
    CHECK(down[0].cause == "status == 200 (observed 500)");
    CHECK(status_of(state.targets["api"]) == TargetStatus::down);
    CHECK(apply_round(state, {probe(false)}, t, 1040).empty());  // no second alert
    CHECK(apply_round(state, {probe(true)}, t, 1050).empty());
    CHECK(status_of(state.targets["api"]) == TargetStatus::recovering);
    const auto up = apply_round(state, {probe(true)}, t, 1060);
    REQUIRE(up.size() == 1);
    CHECK(up[0].kind == AlertKind::recovery);
    CHECK(up[0].downtime == 50);
    const auto& s = state.targets["api"];
    CHECK(s.healthy);
    REQUIRE(s.past_incidents.size() == 1);
    CHECK(s.past_incidents[0].started_at == 1010);
    CHECK(s.past_incidents[0].ended_at == 1060);
}

TEST_CASE("incidents: a success between failures resets the count", "[health]") {
    HealthState state;
    const Thresholds t{2, 1, std::chrono::seconds(0)};
    apply_round(state, {probe(false)}, t, 1);
    apply_round(state, {probe(true)}, t, 2);
    CHECK(apply_round(state, {probe(false)}, t, 3).empty());
    CHECK(apply_round(state, {probe(false)}, t, 4).size() == 1);
}

TEST_CASE("incidents: reminders repeat every --reminder while the incident lasts", "[health]") {
    HealthState state;
    const Thresholds t{1, 1, std::chrono::seconds(60)};
    REQUIRE(apply_round(state, {probe(false)}, t, 0).size() == 1);
    CHECK(apply_round(state, {probe(false)}, t, 30).empty());
    const auto reminder = apply_round(state, {probe(false)}, t, 60);
    REQUIRE(reminder.size() == 1);
    CHECK(reminder[0].kind == AlertKind::reminder);
    CHECK_THAT(alert_text(reminder[0]), Contains("still DOWN after 1m 0s"));
    CHECK(apply_round(state, {probe(false)}, t, 100).empty());
    CHECK(apply_round(state, {probe(false)}, t, 121).size() == 1);
}

TEST_CASE("state file: round-trips incidents and counters, written atomically", "[health]") {
    test::TempDir dir;
    const std::string path = (dir / "state.json").string();
    CHECK(load_state(path).targets.empty());  // missing file: a fresh state
    HealthState state;
    const Thresholds t{1, 1, std::chrono::seconds(0)};
    apply_round(state, {probe(false)}, t, 100);
    apply_round(state, {probe(true)}, t, 160);
    apply_round(state, {probe(false)}, t, 200);
    save_state(path, state);
    const HealthState loaded = load_state(path);
    const auto& s = loaded.targets.at("api");
    CHECK_FALSE(s.healthy);
    REQUIRE(s.open_incident);
    CHECK(s.open_incident->started_at == 200);
    REQUIRE(s.past_incidents.size() == 1);
    CHECK(s.past_incidents[0].ended_at == 160);
    CHECK(state_to_json(loaded) == state_to_json(state));
    CHECK(std::filesystem::directory_iterator(dir.path()) != std::filesystem::directory_iterator());
    for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
        CHECK(entry.path().filename() == "state.json");  // no temporary left behind
}

TEST_CASE("state file: a corrupt file is a data error naming it", "[health]") {
    test::TempDir dir;
    const auto path = dir.write_file("state.json", "{ not json").string();
    try {
        load_state(path);
        FAIL("no error");
    } catch (const DataError& e) {
        CHECK_THAT(e.what(), Contains(path));
    }
}

TEST_CASE("alerts: the payload of every channel names the target, the condition and the time", "[health]") {
    const AlertEvent failure{AlertKind::failure, "api", "status == 200 (observed 500)", 1764118800, 1764118830, 0};
    CHECK(slack_payload(failure) ==
          R"({"text":"[aaiti] api is DOWN: status == 200 (observed 500), since 2025-11-26T01:00:00Z"})");
    CHECK(discord_payload(failure) ==
          R"({"content":"[aaiti] api is DOWN: status == 200 (observed 500), since 2025-11-26T01:00:00Z"})");
    const AlertEvent recovery{AlertKind::recovery, "api", "status == 200 (observed 500)", 1764118800, 1764118985, 185};
    const auto hook = nlohmann::json::parse(webhook_payload(recovery));
    CHECK(hook["event"] == "recovery");
    CHECK(hook["target"] == "api");
    CHECK(hook["downtime_seconds"] == 185);
    CHECK(hook["since"] == "2025-11-26T01:00:00Z");
    CHECK(hook["text"] == "[aaiti] api RECOVERED after 3m 5s of downtime (down since 2025-11-26T01:00:00Z)");
    const auto mail = email_message(failure, SmtpSettings{"smtp", 25, "", "", "ops@example.org", {"a@example.org", "b@example.org"}});
    CHECK_THAT(mail, Contains("Subject: [aaiti] DOWN: api\r\n"));
    CHECK_THAT(mail, Contains("To: a@example.org, b@example.org\r\n"));
}

TEST_CASE("report: Nagios codes follow the states, with one summary line and perfdata", "[health]") {
    const std::vector<Target> targets{make_target("api", "http://127.0.0.1:1/"), make_target("web", "http://127.0.0.1:2/")};
    HealthState state;
    const Thresholds t{2, 1, std::chrono::seconds(0)};
    auto web = probe(true);
    web.target = "web";
    std::vector<ProbeResult> results{probe(true), web};
    apply_round(state, results, t, 1);
    auto nagios = nagios_result({targets, results, state, 1});
    CHECK(nagios.code == 0);
    CHECK_THAT(nagios.line, Contains("HEALTH OK - 2/2 up | api=") && Contains(" web="));
    results[0] = probe(false);
    apply_round(state, results, t, 2);
    nagios = nagios_result({targets, results, state, 2});
    CHECK(nagios.code == 1);
    CHECK_THAT(nagios.line, Contains("HEALTH WARNING - 1/2 up; api failing (status == 200 (observed 500))"));
    apply_round(state, results, t, 3);
    nagios = nagios_result({targets, results, state, 3});
    CHECK(nagios.code == 2);
    CHECK_THAT(nagios.line, Contains("HEALTH CRITICAL - 1/2 up; down: api (status == 200 (observed 500))"));
    CHECK(report_exit_code({targets, results, state, 3}) == 1);
}

}  // namespace
}  // namespace aaiti::health
