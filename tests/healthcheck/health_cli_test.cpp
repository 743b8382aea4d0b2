// `aaitictl health` as a user runs it, against local HTTP targets made to fail, slow down and
// recover, with real webhook and SMTP receivers.
#include <catch2/catch.hpp>

#include <csignal>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/http_client.h"
#include "tests/healthcheck/health_fixture.h"
#include "tests/support/network.h"
#include "tests/support/temp_dir.h"

using Catch::Matchers::Contains;
using nlohmann::json;

namespace aaiti::test {
namespace {

using namespace health_fixture;

TEST_CASE("health --once: every target up exits 0 with one table row per target", "[cli][health]") {
    HealthPeer api, web;
    const auto r = aaitictl({"health", "--target", "api=" + api.url("/health"), "--target", "web=" + web.url("/")});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Contains("TARGET") && Contains("api") && Contains("web") && Contains("HTTP 200"));
}

TEST_CASE("health -o json: the report names the failed condition and the observed value", "[cli][health]") {
    HealthPeer api, web;
    web.control({{"body", R"({"status":"degraded"})"}});
    const auto r = aaitictl({"health", "-o", "json", "--target", "api=" + api.url("/"), "--target", "web=" + web.url("/"),
                             "--condition", "web: json.status == \"ok\"", "--condition", "*: status == 200"});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    const auto report = json::parse(r.out);
    CHECK(report["healthy"] == false);
    REQUIRE(report["targets"].size() == 2);
    const auto& api_report = report["targets"][0];
    CHECK(api_report["name"] == "api");
    CHECK(api_report["status"] == "up");
    CHECK(api_report["http_status"] == 200);
    const auto& web_report = report["targets"][1];
    CHECK(web_report["status"] == "failing");
    CHECK(web_report["failed_condition"] == "json.status == \"ok\" (observed degraded)");
    CHECK(web_report["conditions"][0] == json({{"condition", "json.status == \"ok\""}, {"passed", false}, {"observed", "degraded"}}));
    CHECK(web_report["consecutive_failures"] == 1);
}

TEST_CASE("health: a slow target times out without holding up the others", "[cli][health]") {
    HealthPeer fast, slow;
    slow.control({{"delay_ms", 5000}});
    const auto r = aaitictl({"health", "-o", "json", "--timeout", "300ms", "--target", "slow=" + slow.url("/"), "--target",
                             "fast=" + fast.url("/"), "--condition", "fast: latency < 1s"});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    const auto report = json::parse(r.out);
    CHECK(report["targets"][0]["connected"] == false);
    CHECK_THAT(report["targets"][0]["error"].get<std::string>(), Contains("timed out") || Contains("Timeout"));
    CHECK(report["targets"][1]["status"] == "up");
}

TEST_CASE("health: malformed URLs, conditions and flags exit 64 naming them; bad alert configuration 78", "[cli][health]") {
    HealthPeer api;
    auto r = aaitictl({"health", "--target", "api=htp//nowhere"});
    CHECK(r.exit_code == 64);
    CHECK_THAT(r.err, Contains("target api") && Contains("htp//nowhere"));
    r = aaitictl({"health", "--target", "api=" + api.url(), "--condition", "api: status ~ 200"});
    CHECK(r.exit_code == 64);
    CHECK_THAT(r.err, Contains("api: status ~ 200") && Contains("no operator"));
    r = aaitictl({"health", "--target", "api=" + api.url(), "--condition", "apx: status == 200"});
    CHECK(r.exit_code == 64);
    CHECK_THAT(r.err, Contains("names no target \"apx\""));
    r = aaitictl({"health"});
    CHECK(r.exit_code == 64);
    CHECK_THAT(r.err, Contains("no targets"));
    r = aaitictl({"health", "--target", "api=" + api.url(), "--timeout", "soon"});
    CHECK(r.exit_code == 64);
    CHECK_THAT(r.err, Contains("--timeout \"soon\""));
    r = aaitictl({"health", "--once", "--serve", "127.0.0.1:0", "--target", "api=" + api.url()});
    CHECK(r.exit_code == 64);
    CHECK_THAT(r.err, Contains("--serve runs with --watch"));
    r = aaitictl({"health", "--target", "api=" + api.url()}, {{"SMTP_HOST", "127.0.0.1"}, {"SMTP_FROM", "a@example.org"}});
    CHECK(r.exit_code == 78);
    CHECK_THAT(r.err, Contains("SMTP_TO"));
}

TEST_CASE("health: the seed's SMTP_HOST, SMTP_USER and SMTP_PASS alone name what is missing; mail then comes from SMTP_USER",
          "[cli][health]") {
    HealthPeer api;
    SmtpSink smtp;
    TempDir dir;
    Env env{{"SMTP_HOST", "127.0.0.1"},
            {"SMTP_PORT", std::to_string(smtp.port())},
            {"SMTP_USER", "alerts@example.org"},
            {"SMTP_PASS", "app-password"}};
    auto r = aaitictl({"health", "--target", "api=" + api.url()}, env);
    CHECK(r.exit_code == 78);
    CHECK_THAT(r.err, Contains("SMTP_HOST is set") && Contains("SMTP_TO (the recipients"));
    CHECK_THAT(r.err, !Contains("SMTP_FROM"));  // the sender defaults to SMTP_USER
    // A user name that is no address cannot be the sender: both are named.
    r = aaitictl({"health", "--target", "api=" + api.url()},
                 {{"SMTP_HOST", "127.0.0.1"}, {"SMTP_USER", "apikey"}, {"SMTP_PASS", "app-password"}});
    CHECK(r.exit_code == 78);
    CHECK_THAT(r.err, Contains("SMTP_TO") && Contains("SMTP_FROM") && Contains("\"apikey\" is no e-mail address"));

    env.push_back({"SMTP_TO", "ops@example.org"});
    api.control({{"status", 503}});
    r = aaitictl({"health", "--once", "--state", (dir / "health.json").string(), "--failure-threshold", "1", "--target",
                  "api=" + api.url("/"), "--condition", "api: status == 200"},
                 env);
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(smtp.wait_for("api is DOWN"));
    CHECK_THAT(smtp.out(), Contains("From: alerts@example.org"));
}

TEST_CASE("health --state: --once runs from cron keep the incident, alert once, and report the recovery with its downtime",
          "[cli][health]") {
    HealthPeer api, receiver;
    SmtpSink smtp;
    TempDir dir;
    const std::string state = (dir / "health.json").string();
    const Env env{{"SLACK_WEBHOOK", receiver.url("/hook/slack")},
                  {"DISCORD_WEBHOOK", receiver.url("/hook/discord")},
                  {"SMTP_HOST", "127.0.0.1"},
                  {"SMTP_PORT", std::to_string(smtp.port())},
                  {"SMTP_FROM", "health@example.org"},
                  {"SMTP_TO", "ops@example.org"}};
    const std::vector<std::string> args{"health", "--once", "--state", state, "--failure-threshold", "2", "--success-threshold", "2",
                                        "--target", "api=" + api.url("/"), "--condition", "api: status == 200",
                                        "--webhook", receiver.url("/hook/generic")};
    api.control({{"status", 503}});
    auto r = aaitictl(args, env);
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, Contains("failing"));
    CHECK(receiver.received().empty());  // below the threshold: no alert yet

    r = aaitictl(args, env);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, Contains("down"));
    const auto saved = json::parse(read_text_file(state));
    const auto since = saved["targets"]["api"]["open_incident"]["started"].get<std::string>();
    const std::string text = "[aaiti] api is DOWN: status == 200 (observed 503), since " + since;
    auto hooks = receiver.wait_for_hooks(3);
    REQUIRE(hooks.size() == 3);
    std::map<std::string, std::string> by_path;
    for (const auto& h : hooks) by_path[h["path"]] = h["body"];
    CHECK(by_path["/hook/slack"] == json({{"text", text}}).dump());
    CHECK(by_path["/hook/discord"] == json({{"content", text}}).dump());
    const auto generic = json::parse(by_path["/hook/generic"]);
    CHECK(generic["event"] == "failure");
    CHECK(generic["since"] == since);
    CHECK(smtp.wait_for("api is DOWN"));

    r = aaitictl(args, env);  // still down: the state says it was alerted already
    CHECK(r.exit_code == 1);
    api.control({{"status", 200}});
    r = aaitictl(args, env);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, Contains("recovering"));
    CHECK(receiver.received().size() == 3);

    r = aaitictl(args, env);
    CHECK(r.exit_code == 0);
    hooks = receiver.wait_for_hooks(6);
    REQUIRE(hooks.size() == 6);
    for (std::size_t i = 3; i < 6; ++i) CHECK_THAT(hooks[i]["body"].get<std::string>(), Contains("api RECOVERED after"));
    CHECK(smtp.wait_for("RECOVERED"));
    const auto after = json::parse(read_text_file(state));
    const auto& incident = after["targets"]["api"]["incidents"][0];
    CHECK(incident["started"] == since);
    CHECK(incident["duration_seconds"].get<std::int64_t>() >= 0);
    CHECK(after["targets"]["api"]["open_incident"].is_null());
}

TEST_CASE("health --reminder: a lasting incident is re-announced, not re-alerted every run", "[cli][health]") {
    HealthPeer api, receiver;
    TempDir dir;
    api.control({{"status", 500}});
    const std::vector<std::string> args{"health", "--state", (dir / "s.json").string(), "--failure-threshold", "1",
                                        "--reminder", "1s", "--target", "api=" + api.url("/"),
                                        "--webhook", receiver.url("/hook/generic")};
    CHECK(aaitictl(args).exit_code == 1);
    REQUIRE(receiver.wait_for_hooks(1).size() == 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    CHECK(aaitictl(args).exit_code == 1);
    const auto hooks = receiver.wait_for_hooks(2);
    REQUIRE(hooks.size() == 2);
    CHECK(json::parse(hooks[1]["body"].get<std::string>())["event"] == "reminder");
    CHECK_THAT(hooks[1]["body"].get<std::string>(), Contains("still DOWN after"));
}

TEST_CASE("health: a dead alert receiver is a warning, not a crash or a different exit code", "[cli][health]") {
    HealthPeer api;
    api.control({{"status", 500}});
    const auto r = aaitictl({"health", "--failure-threshold", "1", "--alert-attempts", "2", "--alert-backoff", "10ms",
                             "--target", "api=" + api.url("/")},
                            {{"SLACK_WEBHOOK", dead_url("/hook")}});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Contains("alert delivery failed; will retry") && Contains("alert delivery failed; giving up") &&
                          Contains("slack"));
    CHECK_THAT(r.out, Contains("down"));
}

TEST_CASE("health --nagios: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN with a summary line and perfdata", "[cli][health]") {
    HealthPeer api;
    TempDir dir;
    const std::vector<std::string> args{"health", "--nagios", "--state", (dir / "s.json").string(), "--failure-threshold", "2",
                                        "--target", "api=" + api.url("/")};
    auto r = aaitictl(args);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Contains("HEALTH OK - 1/1 up | api="));
    api.control({{"status", 500}});
    r = aaitictl(args);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, Contains("HEALTH WARNING - 0/1 up; api failing (status < 400 (observed 500))"));
    r = aaitictl(args);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.out, Contains("HEALTH CRITICAL - 0/1 up; down: api (status < 400 (observed 500))"));
    r = aaitictl({"health", "--nagios", "--target", "api=" + api.url(), "--condition", "api: bogus == 1"});
    CHECK(r.exit_code == 3);
    CHECK_THAT(r.out, Contains("HEALTH UNKNOWN - ") && Contains("bogus"));
}

TEST_CASE("health --watch --serve: Prometheus metrics and state follow failure and recovery", "[cli][health]") {
    HealthPeer api, receiver;
    const int port = free_loopback_port();
    ProcessOptions options;
    options.inherit_environment = false;
    ChildProcess watcher({binary_path("aaitictl"), "health", "--watch", "--interval", "100ms", "--failure-threshold", "1",
                          "--success-threshold", "1", "--serve", "127.0.0.1:" + std::to_string(port), "--target",
                          "api=" + api.url("/"), "--webhook", receiver.url("/hook/generic")},
                         options);
    REQUIRE(wait_for_loopback_port(port));
    HttpClient client;
    const std::string base = "http://127.0.0.1:" + std::to_string(port);
    const auto wait_for_metrics = [&](const std::string& text) {
        for (int i = 0; i < 200; ++i) {
            const auto body = client.get(base + "/metrics").body;
            if (body.find(text) != std::string::npos) return body;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return std::string("not found: ") + text;
    };
    CHECK_THAT(wait_for_metrics("aaiti_probe_up{target=\"api\",kind=\"http\"} 1"), Contains("aaiti_probe_duration_seconds{target=\"api\",kind=\"http\"}"));
    api.control({{"status", 500}});
    CHECK_THAT(wait_for_metrics("aaiti_probe_up{target=\"api\",kind=\"http\"} 0"), Contains("aaiti_target_healthy{target=\"api\",kind=\"http\"} 0"));
    const auto state = json::parse(client.get(base + "/state").body);
    CHECK(state["targets"]["api"]["healthy"] == false);
    api.control({{"status", 200}});
    wait_for_metrics("aaiti_target_healthy{target=\"api\",kind=\"http\"} 1");
    const auto hooks = receiver.wait_for_hooks(2);
    REQUIRE(hooks.size() == 2);
    CHECK(json::parse(hooks[0]["body"].get<std::string>())["event"] == "failure");
    CHECK(json::parse(hooks[1]["body"].get<std::string>())["event"] == "recovery");
    const auto result = watcher.stop();
    INFO(result.err);
    CHECK(result.exit_code == 0);
}

}  // namespace
}  // namespace aaiti::test
