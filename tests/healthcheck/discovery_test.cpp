// --from-gateway: targets from the gateway's /services document, parsed and fetched over a real socket.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "healthcheck/gateway_discovery.h"
#include "tests/healthcheck/health_fixture.h"

using Catch::Matchers::Contains;

namespace aaiti::health {
namespace {

using namespace test::health_fixture;

TEST_CASE("discovery: every upstream of every route becomes a /health target, plus the gateway", "[health]") {
    const std::string services = R"({"balance":"round_robin","routes":[
        {"prefix":"/api/users","upstreams":[{"url":"http://127.0.0.1:3001","state":"up"},{"url":"http://127.0.0.1:3002/","state":"up"}]},
        {"prefix":"/api/auth","upstreams":[{"url":"http://127.0.0.1:3003","state":"ejected"}]}]})";
    const auto targets = targets_from_gateway_services(services, "http://127.0.0.1:8080/");
    REQUIRE(targets.size() == 4);
    CHECK(targets[0].name == "gateway");
    CHECK(targets[0].url == "http://127.0.0.1:8080/health");
    CHECK(targets[1].name == "api-users-1");
    CHECK(targets[2].url == "http://127.0.0.1:3002/health");
    CHECK(targets[3].name == "api-auth");
    CHECK(targets[3].url == "http://127.0.0.1:3003/health");
}

TEST_CASE("discovery: a document that is not /services is a data error naming the gateway", "[health]") {
    CHECK_THROWS_AS(targets_from_gateway_services("<html>", "http://gw:8080"), DataError);
    CHECK_THROWS_WITH(targets_from_gateway_services(R"({"status":"ok"})", "http://gw:8080"), Contains("http://gw:8080"));
}

TEST_CASE("health --from-gateway probes what the gateway's /services lists", "[cli][health]") {
    HealthPeer gateway, upstream;
    gateway.control({{"body", nlohmann::json{{"routes", {{{"prefix", "/api/users"}, {"upstreams", {{{"url", upstream.url("")}}}}}}}}.dump()}});
    const auto r = aaitictl({"health", "-o", "json", "--from-gateway", gateway.url("")});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    const auto report = nlohmann::json::parse(r.out);
    REQUIRE(report["targets"].size() == 2);
    CHECK(report["targets"][1]["name"] == "api-users");
    const auto dead = aaitictl({"health", "--from-gateway", dead_url("")});
    CHECK(dead.exit_code == 69);
    CHECK_THAT(dead.err, Contains("--from-gateway"));
}

}  // namespace
}  // namespace aaiti::health
