// The stack model: the seed's defaults, the loader's errors (file, line and key), and the init round trip.
#include <catch2/catch.hpp>

#include "common/config.h"
#include "common/error.h"
#include "stack/stack_defaults.h"
#include "stack/stack_loader.h"
#include "stack/stack_writer.h"
#include "tests/support/temp_dir.h"

using Catch::Matchers::Contains;

namespace aaiti::test {
namespace {

using namespace aaiti::stack;

std::string config_error_of(const std::string& text) {
    try {
        load_stack_text(text, "aaiti.yaml", "/srv/aaiti");
    } catch (const ConfigError& e) {
        return e.what();
    }
    FAIL("no ConfigError for:\n" << text);
    return {};
}

TEST_CASE("stack: the defaults are the seed's stack") {
    const Stack s = default_stack("/srv/aaiti");
    REQUIRE(s.services.size() == 7);
    CHECK(s.gateway().port == 3000);
    int port = 3001;
    for (std::size_t i = 1; i < s.services.size(); ++i) CHECK(s.services[i].port == port++);
    CHECK(s.find_service("auth")->replicas == 2);
    CHECK(instance_names(*s.find_service("auth")) == std::vector<std::string>{"auth-1", "auth-2"});
    CHECK(instance_names(s.gateway()) == std::vector<std::string>{"gateway"});
    CHECK(instance_host_port(*s.find_service("auth"), 1) == 3101);
    CHECK(s.monitoring.grafana_port == 3007);
    CHECK(s.monitoring.supervisor_port == 9190);
    CHECK(s.load_balancer.stats_port == 8404);
    CHECK(s.monitoring.alerts.latency_p95 == std::chrono::milliseconds(100));
    CHECK(s.backup.repository == "/srv/aaiti/data/backups");
    CHECK(s.secrets_dir == "/srv/aaiti/secrets");
    CHECK(s.source_dir == "/srv/aaiti");
}

TEST_CASE("stack: an empty stack file gives the defaults") {
    CHECK(load_stack_text("", "aaiti.yaml", "/srv/aaiti") == default_stack("/srv/aaiti"));
    CHECK(load_stack_text("# nothing yet\n", "aaiti.yaml", "/srv/aaiti/") == default_stack("/srv/aaiti"));
}

TEST_CASE("stack: a bad value names the file, line and key") {
    const std::string text =
        "project: \"aaiti\"\n"
        "services:\n"
        "  gateway:\n"
        "    port: 3000\n"
        "  auth:\n"
        "    replicas: two\n";
    CHECK(config_error_of(text) == "aaiti.yaml:6: services.auth.replicas: expected an integer from 1 to 16, got \"two\"");
    CHECK(config_error_of("services:\n  auth:\n    replicas: 17\n") ==
          "aaiti.yaml:3: services.auth.replicas: expected an integer from 1 to 16, got \"17\"");
    CHECK(config_error_of("database:\n  port: 70000\n") == "aaiti.yaml:2: database.port: expected an integer from 1 to 65535, got \"70000\"");
    CHECK(config_error_of("load_balancer:\n  sticky_sessions: maybe\n") ==
          "aaiti.yaml:2: load_balancer.sticky_sessions: expected true or false, got \"maybe\"");
    CHECK_THAT(config_error_of("monitoring:\n  alerts:\n    latency_p95: soon\n"),
               Contains("aaiti.yaml:3: monitoring.alerts.latency_p95: expected a duration"));
    CHECK_THAT(config_error_of("backup:\n  schedule: \"daily\"\n"), Contains("aaiti.yaml:2: backup.schedule: expected a cron expression"));
    CHECK(config_error_of("backup:\n  schedule: \"0 25 * * *\"\n") ==
          "aaiti.yaml:2: backup.schedule: expected a cron expression such as \"0 3 * * *\": cron \"0 25 * * *\": hour: 25 is out of range 0-23");
    CHECK(config_error_of("monitoring:\n  supervisor:\n    port: 0\n") ==
          "aaiti.yaml:3: monitoring.supervisor.port: expected an integer from 1 to 65535, got \"0\"");
    CHECK_THAT(config_error_of("alerts:\n  slack_webhook: \"hooks.slack.com/x\"\n"), Contains("aaiti.yaml:2: alerts.slack_webhook: expected an http(s)://"));
    CHECK_THAT(config_error_of("services:\n  auth: 3\n"), Contains("aaiti.yaml:2: services.auth: expected a mapping"));
    CHECK(config_error_of("network:\n  subnet: \"10.1.2.0/25\"\n") ==
          "aaiti.yaml:2: network.subnet: the prefix length must be from 16 to 24 (room for the fixed addresses and Docker's), got \"25\"");
    CHECK(config_error_of("network:\n  subnet: \"10.1.2.7/24\"\n") ==
          "aaiti.yaml:2: network.subnet: \"10.1.2.7/24\" has host bits set; the network is 10.1.2.0/24");
    CHECK_THAT(config_error_of("network:\n  subnet: \"fd00::/64\"\n"), Contains("network.subnet: \"fd00::\" is not an IPv4 address"));
    CHECK_THAT(config_error_of("network:\n  subnet: \"10.1.2.0\"\n"), Contains("network.subnet: expected an IPv4 subnet"));
    CHECK_THAT(config_error_of("network:\n  subnets: \"10.1.2.0/24\"\n"), Contains("aaiti.yaml:2: network.subnets: unknown key"));
}

TEST_CASE("stack: the compose network's fixed addresses sit in the lower half, Docker's pool is the upper half") {
    const Stack s = load_stack_text("services:\n  gateway:\n    replicas: 3\nnetwork:\n  subnet: \"10.20.0.0/16\"\n", "aaiti.yaml", "/srv/aaiti");
    const ComposeAddresses a = compose_addresses(s);
    CHECK(a.subnet == "10.20.0.0/16");
    CHECK(a.ip_range == "10.20.128.0/17");
    CHECK(a.gateway == "10.20.0.1");
    CHECK(a.haproxy == "10.20.0.2");
    CHECK(a.prometheus == "10.20.0.3");
    CHECK(a.gateways == std::vector<std::string>{"10.20.0.16", "10.20.0.17", "10.20.0.18"});
    const ComposeAddresses d = compose_addresses(default_stack("/srv/aaiti"));
    CHECK(d.subnet == "172.31.240.0/24");
    CHECK(d.ip_range == "172.31.240.128/25");
    CHECK(d.gateways == std::vector<std::string>{"172.31.240.16"});
}

TEST_CASE("stack: broken YAML, duplicate ports and a missing gateway are configuration errors") {
    CHECK_THAT(config_error_of("services:\n  auth: [\n"), Contains("aaiti.yaml:") && Contains("not valid YAML"));
    CHECK(config_error_of("services:\n  auth:\n    port: 3000\n") ==
          "aaiti.yaml: services.auth.port and services.gateway.port both use port 3000");
    CHECK_THAT(config_error_of("services:\n  billing:\n    replicas: 1\n"), Contains("services.billing: a service the seed does not have needs a port"));
    CHECK(config_error_of("monitoring:\n  supervisor:\n    port: 9090\n") ==
          "aaiti.yaml: monitoring.supervisor.port and monitoring.prometheus.port both use port 9090");
}

TEST_CASE("stack: a misspelt key in a section the stack owns is an error; the configuration keys beside it are not") {
    CHECK_THAT(config_error_of("services:\n  auth:\n    port: 3001\n    replica: 2\n"),
               Contains("aaiti.yaml:4: services.auth.replica: unknown key; expected one of port, replicas,"));
    CHECK_THAT(config_error_of("load_balancer:\n  sticky: true\n"), Contains("aaiti.yaml:2: load_balancer.sticky: unknown key"));
    const Stack s = load_stack_text("services:\n  auth:\n    url: \"http://127.0.0.1:3001\"\n    replicas: 3\n"
                                    "gateway:\n  rate_limit:\n    max: 5\nhealth:\n  anything: 1\n",
                                    "aaiti.yaml", "/srv/aaiti");
    CHECK(s.find_service("auth")->replicas == 3);
}

TEST_CASE("stack: a new service gets an upstream key and its own settings") {
    const Stack s = load_stack_text("services:\n  billing:\n    port: 3010\n    replicas: 3\n", "aaiti.yaml", "/srv/aaiti");
    const Service* billing = s.find_service("billing");
    REQUIRE(billing);
    CHECK(billing->config_key == "BILLING_SERVICE_URL");
    CHECK(billing->route_prefix == "/api/billing");
    CHECK(instance_names(*billing).size() == 3);
}

TEST_CASE("stack: the file init writes loads back to the same stack") {
    const Stack defaults = default_stack("/srv/aaiti");
    CHECK(load_stack_text(write_stack_yaml(defaults, "/srv/aaiti"), "aaiti.yaml", "/srv/aaiti") == defaults);

    Stack changed = defaults;
    changed.project = "prod-1";
    changed.services[1].replicas = 4;
    changed.services[1].environment = {{"LOG_LEVEL", "debug"}, {"QUOTED", "yes \"really\" 3.8"}};
    changed.load_balancer.certificate = "/srv/aaiti/certs/site.pem";
    changed.load_balancer.sticky_sessions = false;
    changed.monitoring.alerts.error_ratio = 0.02;
    changed.monitoring.alerts.latency_p95 = std::chrono::milliseconds(250);
    changed.monitoring.supervisor_port = 9290;
    changed.alerts.slack_webhook = "https://hooks.slack.com/services/T/B/X";
    changed.alerts.smtp_host = "smtp.example.com";
    changed.alerts.smtp_from = "alerts@example.com";
    changed.alerts.smtp_to = {"ops@example.com", "oncall@example.com"};
    changed.backup.repository = "/var/backups/aaiti";
    changed.backup.schedule = "30 2 * * mon-fri";
    changed.network.subnet = "10.99.0.0/20";
    CHECK(load_stack_text(write_stack_yaml(changed, "/srv/aaiti"), "aaiti.yaml", "/srv/aaiti") == changed);
}

TEST_CASE("stack: the file init writes is also a valid configuration file for every aaitictl command") {
    TempDir dir("stack-config");
    const auto path = dir.write_file("aaiti.yaml", write_stack_yaml(default_stack(dir.path().string()), dir.path().string()));
    ConfigLoadOptions options;
    options.stack_file = path.string();
    options.environment = std::map<std::string, std::string>{};
    const Config config = Config::load(options);
    CHECK(config.get_or("DB_NAME", "") == "aaiti");
    CHECK(config.entry("DB_PORT")->source == ConfigSource::stack_file);
    CHECK(config.get_or("BACKUP_REPOSITORY", "") == "data/backups");
}

TEST_CASE("stack: profiles parse by name and reject others") {
    CHECK(parse_profile("replica") == Profile::replica);
    CHECK_THROWS_AS(parse_profile("staging"), UsageError);
}

TEST_CASE("stack: durations are written in their largest exact unit") {
    CHECK(format_duration(std::chrono::milliseconds(100)) == "100ms");
    CHECK(format_duration(std::chrono::seconds(30)) == "30s");
    CHECK(format_duration(std::chrono::hours(26)) == "26h");
    CHECK(format_duration(std::chrono::hours(48)) == "2d");
    CHECK(format_duration(std::chrono::milliseconds(1500)) == "1500ms");
}

}  // namespace
}  // namespace aaiti::test
