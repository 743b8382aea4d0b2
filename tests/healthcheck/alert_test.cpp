// Alert channels and the dispatcher against real local receivers: a webhook peer checking the exact
// payloads, aiosmtpd for mail, a port nobody listens on and a receiver answering 500.
#include <catch2/catch.hpp>

#include <map>
#include <nlohmann/json.hpp>

#include "healthcheck/alert_dispatcher.h"
#include "tests/healthcheck/health_fixture.h"

using Catch::Matchers::Contains;

namespace aaiti::health {
namespace {

using namespace test::health_fixture;

const AlertEvent k_failure{AlertKind::failure, "api", "status == 200 (observed 500)", 1764118800, 1764118830, 0};

TEST_CASE("alerts: Slack, Discord and webhook receivers get their exact payloads", "[health]") {
    HealthPeer receiver;
    AlertSettings settings;
    settings.slack_webhook = receiver.url("/hook/slack");
    settings.discord_webhook = receiver.url("/hook/discord");
    settings.webhooks = {receiver.url("/hook/generic")};
    AlertDispatcher dispatcher(make_alert_channels(settings, std::chrono::seconds(5)), DispatchOptions{});
    dispatcher.submit(k_failure);
    REQUIRE(dispatcher.drain(std::chrono::seconds(20)));
    const auto hooks = receiver.received();
    REQUIRE(hooks.size() == 3);
    std::map<std::string, std::string> by_path;
    for (const auto& h : hooks) by_path[h["path"]] = h["body"];
    CHECK(by_path["/hook/slack"] == slack_payload(k_failure));
    CHECK(by_path["/hook/discord"] == discord_payload(k_failure));
    CHECK(nlohmann::json::parse(by_path["/hook/generic"])["event"] == "failure");
    CHECK(dispatcher.stats().delivered == 3);
}

TEST_CASE("alerts: e-mail goes through a real SMTP receiver", "[health]") {
    SmtpSink sink;
    AlertSettings settings;
    settings.smtp = SmtpSettings{"127.0.0.1", sink.port(), "", "", "health@example.org", {"ops@example.org"}};
    AlertDispatcher dispatcher(make_alert_channels(settings, std::chrono::seconds(5)), DispatchOptions{});
    dispatcher.submit(k_failure);
    REQUIRE(dispatcher.drain(std::chrono::seconds(20)));
    CHECK(dispatcher.stats().delivered == 1);
    REQUIRE(sink.wait_for("api is DOWN"));
    CHECK_THAT(sink.out(), Contains("Subject: [aaiti] DOWN: api") && Contains("ops@example.org"));
}

TEST_CASE("alerts: a dead receiver is retried with back-off, counted, and never blocks submit", "[health]") {
    HealthPeer alive;
    AlertSettings settings;
    settings.webhooks = {dead_url("/hook/dead"), alive.url("/hook/alive")};
    DispatchOptions options;
    options.attempts = 3;
    options.first_backoff = std::chrono::milliseconds(50);
    AlertDispatcher dispatcher(make_alert_channels(settings, std::chrono::seconds(2)), options);
    dispatcher.submit(k_failure);  // returns at once: delivery happens on the dispatcher's thread
    REQUIRE(dispatcher.drain(std::chrono::seconds(30)));
    const auto stats = dispatcher.stats();
    CHECK(stats.delivered == 1);
    CHECK(stats.failed == 1);
    CHECK(stats.failed_attempts == 3);
    CHECK(alive.received().size() == 1);
}

TEST_CASE("alerts: a receiver that answers 500 and then recovers gets the alert on a retry", "[health]") {
    HealthPeer receiver;
    receiver.control({{"hook_status", 500}});
    AlertSettings settings;
    settings.slack_webhook = receiver.url("/hook/slack");
    DispatchOptions options;
    options.attempts = 10;
    options.first_backoff = std::chrono::milliseconds(100);
    AlertDispatcher dispatcher(make_alert_channels(settings, std::chrono::seconds(2)), options);
    dispatcher.submit(k_failure);
    receiver.wait_for_hooks(1);
    receiver.control({{"hook_status", 200}});
    REQUIRE(dispatcher.drain(std::chrono::seconds(30)));
    CHECK(dispatcher.stats().delivered == 1);
    CHECK(dispatcher.stats().failed == 0);
    CHECK(dispatcher.stats().failed_attempts >= 1);
}

}  // namespace
}  // namespace aaiti::health
