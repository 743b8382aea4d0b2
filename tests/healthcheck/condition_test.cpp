// Targets and conditions: parsing (with usage errors naming the bad input) and judging probe results.
#include <catch2/catch.hpp>

#include "common/error.h"
#include "healthcheck/condition.h"
#include "healthcheck/target.h"

using Catch::Matchers::Contains;

namespace aaiti::health {
namespace {

ProbeResult http_result(long status, std::string body = "", std::chrono::microseconds latency = std::chrono::milliseconds(5)) {
    ProbeResult r;
    r.target = "api";
    r.connected = true;
    r.status = status;
    r.body = std::move(body);
    r.latency = latency;
    return r;
}

TEST_CASE("targets: the scheme picks the probe and the port defaults per scheme", "[health]") {
    CHECK(parse_target_spec("api=http://127.0.0.1:8080/health").kind == ProbeKind::http);
    CHECK(parse_target_spec("web=https://example.org/").port == 443);
    const auto db = parse_target_spec("db=postgresql://app:secret@db.local/app");
    CHECK(db.kind == ProbeKind::postgres);
    CHECK(db.port == 5432);
    CHECK(db.host == "db.local");
    CHECK(parse_target_spec("cache=redis://127.0.0.1").port == 6379);
    CHECK(parse_target_spec("lb=tcp://127.0.0.1:443").kind == ProbeKind::tcp);
    const auto sentinel = parse_target_spec("cache=redis-sentinel://:pw@s1:26380,s2/mymaster");
    CHECK(sentinel.kind == ProbeKind::redis);
    CHECK(sentinel.host == "s1");
    CHECK(sentinel.port == 26380);
}

TEST_CASE("targets: malformed specs and URLs are usage errors naming them, never with the password", "[health]") {
    const auto message = [](const std::string& spec) {
        try {
            parse_target_spec(spec);
        } catch (const UsageError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK_THAT(message("api"), Contains("\"api\" is not NAME=URL"));
    CHECK_THAT(message("api=ftp://host/x"), Contains("unsupported scheme \"ftp\""));
    CHECK_THAT(message("api=localhost:8080"), Contains("target api"));
    CHECK_THAT(message("api=http://exa mple.org/"), Contains("malformed"));
    CHECK_THAT(message("lb=tcp://127.0.0.1"), Contains("needs a port"));
    CHECK_THAT(message("bad name=http://x/"), Contains("target name \"bad name\""));
    const auto pg = message("db=pg://app:hunter2@db/app");
    CHECK_THAT(pg, Contains("****"));
    CHECK_THAT(pg, !Contains("hunter2"));
}

TEST_CASE("conditions: status, latency, body and JSON fields judge what was observed", "[health]") {
    const auto ok = http_result(200, R"({"status":"ok","db":{"up":true,"lag":3},"items":[{"id":7}]})",
                                std::chrono::milliseconds(42));
    CHECK(evaluate(parse_condition("api: status == 200"), ok).passed);
    CHECK_FALSE(evaluate(parse_condition("api: status != 200"), ok).passed);
    CHECK(evaluate(parse_condition("api: latency < 100ms"), ok).passed);
    const auto slow = evaluate(parse_condition("api: latency < 10ms"), ok);
    CHECK_FALSE(slow.passed);
    CHECK(slow.observed == "42ms");
    CHECK(evaluate(parse_condition("api: json.status == \"ok\""), ok).passed);
    CHECK(evaluate(parse_condition("api: json.db.up == true"), ok).passed);
    CHECK(evaluate(parse_condition("api: json.db.lag < 5"), ok).passed);
    CHECK(evaluate(parse_condition("api: json.items[0].id >= 7"), ok).passed);
    CHECK(evaluate(parse_condition("api: body contains \"ok\""), ok).passed);
    const auto missing = evaluate(parse_condition("api: json.version == \"2\""), ok);
    CHECK_FALSE(missing.passed);
    CHECK(missing.observed == "missing");
    const auto wrong = evaluate(parse_condition("api: json.status == \"degraded\""), ok);
    CHECK_FALSE(wrong.passed);
    CHECK(wrong.observed == "ok");
    CHECK(evaluate(parse_condition("api: json.status == \"x\""), http_result(200, "<html>")).observed == "body is not JSON");
}

TEST_CASE("conditions: without a connection every condition fails with the transport error, except connected", "[health]") {
    ProbeResult down;
    down.target = "api";
    down.error = "Connection refused";
    const auto status = evaluate(parse_condition("api: status == 200"), down);
    CHECK_FALSE(status.passed);
    CHECK_THAT(status.observed, Contains("Connection refused"));
    CHECK(evaluate(parse_condition("api: connected == false"), down).passed);
}

TEST_CASE("conditions: certificate expiry and replication lag compare durations", "[health]") {
    auto r = http_result(200);
    r.cert_expiry_seconds = 3 * 86400;
    CHECK(evaluate(parse_condition("web: cert_expiry > 2d"), r).passed);
    CHECK_FALSE(evaluate(parse_condition("web: cert_expiry > 7d"), r).passed);
    CHECK(evaluate(parse_condition("web: cert_expiry > 1d"), http_result(200)).observed == "no certificate");
    r.replication_lag_seconds = 1.5;
    CHECK(evaluate(parse_condition("db: replication_lag < 2s"), r).passed);
    CHECK_FALSE(evaluate(parse_condition("db: replication_lag < 1s"), r).passed);
}

TEST_CASE("conditions: malformed conditions are usage errors that name them", "[health]") {
    const auto message = [](const std::string& spec) {
        try {
            parse_condition(spec);
        } catch (const UsageError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK_THAT(message("status == 200"), Contains("no target name"));
    CHECK_THAT(message("api: colour == red"), Contains("unknown subject \"colour\""));
    CHECK_THAT(message("api: status 200"), Contains("no operator"));
    CHECK_THAT(message("api: status =="), Contains("no value"));
    CHECK_THAT(message("api: status == ok"), Contains("not an HTTP status"));
    CHECK_THAT(message("api: latency < fast"), Contains("not a duration"));
    CHECK_THAT(message("api: json.items[x] == 1"), Contains("bad array index"));
    CHECK_THAT(message("api: status contains 2"), Contains("'contains' applies to body"));
    CHECK_THAT(message("api: latency < fast"), Contains("\"api: latency < fast\""));
}

TEST_CASE("conditions: a target without conditions gets its kind's default", "[health]") {
    const auto api = parse_target_spec("api=http://127.0.0.1:1/");
    const auto db = parse_target_spec("db=tcp://127.0.0.1:1");
    const std::vector<Condition> all{parse_condition("api: status == 204"), parse_condition("*: latency < 1s")};
    CHECK(conditions_for(api, all).size() == 2);
    const auto defaults = conditions_for(db, {parse_condition("api: status == 204")});
    REQUIRE(defaults.size() == 1);
    CHECK(defaults[0].text == "connected == true");
    CHECK(conditions_for(api, {}).at(0).text == "status < 400");
}

}  // namespace
}  // namespace aaiti::health
