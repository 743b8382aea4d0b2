// `aaitictl init` and `aaitictl compose generate` run as a user runs them.
#include <catch2/catch.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "stack/stack_defaults.h"
#include "stack/stack_loader.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using Catch::Matchers::Contains;

namespace aaiti::test {
namespace {

namespace fs = std::filesystem;

TEST_CASE("init writes the defaults, refuses to overwrite without --force, and the file loads back") {
    TempDir dir("stack-init");
    const auto first = run_aaitictl({"init"}, dir.path());
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    CHECK_THAT(first.out, Contains("wrote aaiti.yaml"));
    CHECK(stack::load_stack_file((dir / "aaiti.yaml").string()) == stack::default_stack(dir.path().string()));

    const auto again = run_aaitictl({"init"}, dir.path());
    CHECK(again.exit_code == 1);
    CHECK_THAT(again.err, Contains("already exists") && Contains("--force"));

    const auto forced = run_aaitictl({"init", "--force", "-o", "json"}, dir.path());
    REQUIRE(forced.exit_code == 0);
    const auto json = nlohmann::json::parse(forced.out);
    CHECK(json["overwritten"] == true);

    fs::create_directories(dir / "site");
    CHECK(run_aaitictl({"init", "site"}, dir.path()).exit_code == 0);
    CHECK(fs::exists(dir / "site" / "aaiti.yaml"));
}

TEST_CASE("compose generate writes every file of the stack into --out") {
    TempDir dir("stack-cli-gen");
    REQUIRE(run_aaitictl({"init"}, dir.path()).exit_code == 0);
    const auto r = run_aaitictl({"compose", "generate", "--profile", "production", "--out", "deploy", "-o", "json"}, dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto json = nlohmann::json::parse(r.out);
    CHECK(json["profiles"] == nlohmann::json::array({"production"}));
    for (const char* f : {"docker-compose.yml", "haproxy/haproxy.cfg", "prometheus/prometheus.yml", "prometheus/alert-rules.yml",
                          "alertmanager/alertmanager.yml", "grafana/dashboards/auth.json", "docker/aaiti-auth.Dockerfile"}) {
        INFO(f);
        CHECK(fs::exists(dir / "deploy" / f));
    }
    const auto table = run_aaitictl({"compose", "generate", "-d", "other", "--profile", "replica"}, dir.path());
    REQUIRE(table.exit_code == 0);
    CHECK_THAT(table.out, Contains("other/docker-compose.yml"));
    CHECK(!fs::exists(dir / "other" / "haproxy"));
}

TEST_CASE("compose generate takes the caller's SLACK_WEBHOOK and service settings, secrets kept out of docker-compose.yml") {
    TempDir dir("stack-cli-env");
    REQUIRE(run_aaitictl({"init"}, dir.path()).exit_code == 0);
    const std::string webhook = "https://hooks.slack.com/services/T000/B000/from-the-shell";
    ProcessOptions o;
    o.working_dir = dir.path().string();
    o.inherit_environment = false;
    o.env = {{"SLACK_WEBHOOK", webhook}, {"RATE_LIMIT_MAX", "50"}, {"REDIS_URL", "redis://elsewhere:6379"}};
    const auto r = run_process({binary_path("aaitictl"), "compose", "generate", "--profile", "production", "-d", "deploy"}, o);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Contains("REDIS_URL (environment REDIS_URL) is not passed to the stack") && !Contains(webhook));
    CHECK_THAT(read_text_file(dir / "deploy/alertmanager/alertmanager.yml"), Contains("api_url: \"" + webhook + "\""));
    const std::string compose = read_text_file(dir / "deploy/docker-compose.yml");
    CHECK_THAT(compose, Contains("\"RATE_LIMIT_MAX\": \"50\"") && Contains("\"SLACK_WEBHOOK\": \"${SLACK_WEBHOOK}\"") &&
                            !Contains(webhook) && Contains("export REDIS_URL=\\\"redis://:$$p@redis:6379\\\"") && !Contains("elsewhere"));
    // The secret is in .env, which docker compose reads, and which only its owner may read.
    CHECK_THAT(read_text_file(dir / "deploy/.env"), Contains("SLACK_WEBHOOK=" + webhook));
    CHECK((fs::status(dir / "deploy/.env").permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);
}

TEST_CASE("compose generate reads the stack file named by --config and resolves its paths from there") {
    TempDir dir("stack-cli-config");
    fs::create_directories(dir / "site");
    REQUIRE(run_aaitictl({"--config", "site/aaiti.yaml", "init"}, dir.path()).exit_code == 0);
    REQUIRE(fs::exists(dir / "site" / "aaiti.yaml"));
    const auto r = run_aaitictl({"--config", "site/aaiti.yaml", "compose", "generate", "--out", "out", "--profile", "replica"}, dir.path());
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const std::string compose = read_text_file(dir / "out" / "docker-compose.yml");
    CHECK_THAT(compose, Contains("file: \"" + (dir / "site" / "secrets").string() + "/db_password\""));
    CHECK_THAT(compose, Contains("context: \"" + (dir / "site").string() + "\""));
}

TEST_CASE("compose generate names the key and line of a broken stack file and exits 78") {
    TempDir dir("stack-cli-bad");
    dir.write_file("aaiti.yaml", "# my stack\nservices:\n  auth:\n    replicas: two\n");
    const auto r = run_aaitictl({"compose", "generate"}, dir.path());
    CHECK(r.exit_code == 78);
    CHECK_THAT(r.err, Contains("aaiti.yaml:4: services.auth.replicas: expected an integer from 1 to 16, got \"two\""));
    CHECK(!fs::exists(dir / "deploy"));
}

TEST_CASE("compose generate rejects an unknown profile as a usage error") {
    TempDir dir("stack-cli-usage");
    const auto r = run_aaitictl({"compose", "generate", "--profile", "staging"}, dir.path());
    CHECK(r.exit_code == 64);
}

TEST_CASE("the man pages of init and compose pass mandoc -T lint -W warning") {
    for (const char* page : {"man/aaitictl-init.1", "man/aaitictl-compose.1"}) {
        const auto r = run_process({"mandoc", "-T", "lint", "-W", "warning", source_path(page)});
        INFO(page << ": " << r.out << r.err);
        CHECK(r.exit_code == 0);
    }
}

}  // namespace
}  // namespace aaiti::test
