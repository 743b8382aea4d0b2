// `aaitictl health --stack` on a stack that `aaitictl up` runs natively: what really runs, with the password
// `up` made, and the primary wherever a promotion put it.
#include <catch2/catch.hpp>

#include <map>
#include <nlohmann/json.hpp>

#include "tests/support/native_stack.h"

using Catch::Matchers::Contains;
using nlohmann::json;

namespace aaiti::test {
namespace {

std::map<std::string, json> targets_by_name(const std::string& report_text) {
    std::map<std::string, json> by_name;
    const json report = json::parse(report_text);  // kept: a range-for over a temporary's member dangles
    for (const auto& t : report["targets"]) by_name[t["name"].get<std::string>()] = t;
    return by_name;
}

TEST_CASE("health --stack passes on a healthy native stack: its processes, the stack's password, the replica, the primary after a promotion",
          "[e2e][health]") {
    NativeStack stack("replica");

    // No DB_* anywhere: the password is the one `up` made in secrets/db_password.
    const auto r = stack.aaitictl({"health", "--stack", stack.stack_file(), "-o", "json", "--timeout", "5s"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    auto by_name = targets_by_name(r.out);
    for (const char* name : {"gateway", "auth", "postgres", "postgres-replica", "redis"}) {
        INFO(name);
        REQUIRE(by_name.count(name) == 1);
        CHECK(by_name[name]["status"] == "up");
    }
    CHECK(by_name["postgres"]["url"].get<std::string>().find("127.0.0.1:" + std::to_string(stack.ports().postgres)) != std::string::npos);
    CHECK_THAT(by_name["postgres"]["url"].get<std::string>(), Contains("****"));  // the password, masked
    // Only what runs natively: the seed's image-only services are not probed.
    CHECK(by_name.count("trading") == 0);

    // Without the password, the refusal names every place it was looked for.
    {
        stack.run({"mv", "secrets/db_password", "secrets/db_password.away"});
        const auto refused = stack.aaitictl({"health", "--stack", stack.stack_file(), "-o", "json", "--timeout", "5s"});
        stack.run({"mv", "secrets/db_password.away", "secrets/db_password"});
        INFO(refused.out << refused.err);
        CHECK(refused.exit_code == 1);
        auto refused_by_name = targets_by_name(refused.out);
        CHECK_THAT(refused_by_name["postgres-replica"].dump(),
                   Contains("no PostgreSQL password for postgresql://aaiti@127.0.0.1:" + std::to_string(stack.ports().replica)));
        const std::string cause = refused_by_name["postgres"].dump();
        CHECK_THAT(cause, Contains("no PostgreSQL password"));
        CHECK_THAT(cause, Contains("DB_PASSWORD_FILE"));
        CHECK_THAT(cause, Contains("secrets/db_password"));
    }
    // After a promotion the replica is probed as the primary and the retired node is left alone.
    {
        const auto promoted = stack.aaitictl({"db", "promote"}, {}, std::chrono::seconds(180));
        INFO(promoted.out << promoted.err);
        REQUIRE(promoted.exit_code == 0);
        const auto after = stack.aaitictl({"health", "--stack", stack.stack_file(), "-o", "json", "--timeout", "5s"});
        INFO(after.out << after.err);
        CHECK(after.exit_code == 0);
        by_name = targets_by_name(after.out);
        CHECK(by_name.count("postgres") == 0);
        REQUIRE(by_name.count("postgres-replica") == 1);
        CHECK(by_name["postgres-replica"]["status"] == "up");
        CHECK_FALSE(by_name["postgres-replica"].contains("replication_lag_seconds"));  // a primary now
    }
}

}  // namespace
}  // namespace aaiti::test
