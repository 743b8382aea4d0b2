// `aaitictl db status` run as a user runs it: against the fixture's primary and replica ([e2e]), and
// against closed ports (no servers needed).
#include <catch2/catch.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support/network.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_servers.h"

using Catch::Matchers::Contains;

namespace aaiti::test {
namespace {

namespace fs = std::filesystem;

// A stack file whose database is the given ports, as the fixture's superuser (trust authentication).
void write_stack_file(const TempDir& dir, int port, int replica_port) {
    dir.write_file("aaiti.yaml", "database: {user: \"postgres\", name: \"postgres\", port: " + std::to_string(port) +
                                     ", replica: {port: " + std::to_string(replica_port) + "}}\n");
}

TEST_CASE("db status -o json shows the fixture's primary streaming to its replica", "[e2e]") {
    TempDir dir("db-status");
    write_stack_file(dir, test_servers().pg_port, test_servers().pg_replica_port);
    const auto r = run_aaitictl({"db", "status", "-o", "json"}, dir.path());
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const auto json = nlohmann::json::parse(r.out);
    REQUIRE(json["nodes"].size() == 2);
    const auto& primary = json["nodes"][0];
    CHECK(primary["name"] == "postgres");
    CHECK(primary["port"] == test_servers().pg_port);
    CHECK(primary["reachable"] == true);
    CHECK(primary["role"] == "primary");
    CHECK(primary["error"].is_null());
    CHECK(primary["lag_bytes"].is_null());
    CHECK(primary["lag_seconds"].is_null());
    CHECK(primary["replicas"].is_array());
    const auto& replica = json["nodes"][1];
    CHECK(replica["name"] == "postgres-replica");
    CHECK(replica["role"] == "replica");
    CHECK(replica["replicas"].is_null());
    REQUIRE(replica["lag_bytes"].is_number_integer());
    CHECK(replica["lag_bytes"].get<long long>() >= 0);

    const auto table = run_aaitictl({"--config", "aaiti.yaml", "db", "status"}, dir.path());
    REQUIRE(table.exit_code == 0);
    CHECK_THAT(table.out, Contains("NODE") && Contains("LAG") && Contains("postgres-replica") && Contains("primary"));
}

TEST_CASE("db status exits 69 when no primary answers, naming the ports and never the password") {
    TempDir dir("db-status-down");
    const int port = free_loopback_port();
    const int replica_port = free_loopback_port();
    write_stack_file(dir, port, replica_port);
    dir.write_file("secrets/db_password", "s3cret-pw\n");
    const auto r = run_aaitictl({"db", "status", "-o", "json"}, dir.path());
    INFO(r.out << r.err);
    CHECK(r.exit_code == 69);
    const auto json = nlohmann::json::parse(r.out);
    REQUIRE(json["nodes"].size() == 2);
    for (const auto& node : json["nodes"]) {
        CHECK(node["reachable"] == false);
        CHECK(node["role"].is_null());
        CHECK_THAT(node["error"].get<std::string>(), Contains(std::to_string(node["port"].get<int>())));
    }
    CHECK_THAT(r.err, Contains("no PostgreSQL primary"));
    CHECK(r.out.find("s3cret-pw") == std::string::npos);
    CHECK(r.err.find("s3cret-pw") == std::string::npos);
}

}  // namespace
}  // namespace aaiti::test
