// The HAProxy and Prometheus files the native supervisor renders (Network::loopback): valid for their
// tools, pointing only at 127.0.0.1 and host ports, and compose output untouched by the parameter.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>
#include <yaml-cpp/yaml.h>

#include "stack/renderers.h"
#include "stack/stack_loader.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using Catch::Matchers::Contains;

namespace aaiti::test {
namespace {

namespace fs = std::filesystem;
using namespace aaiti::stack;

void expect_tool_accepts(const std::vector<std::string>& argv) {
    const auto r = run_process(argv);
    INFO(argv[0] << "\nstdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exit_code == 0);
}

// Writes the files under `dir` and returns the path of the first.
fs::path write(const TempDir& dir, const std::vector<GeneratedFile>& files) {
    for (const auto& f : files) write_text_file(dir / f.path, f.content);
    return dir / files.front().path;
}

// The word after `keyword` on every line that starts (after indentation) with it.
std::vector<std::string> words_after(const std::string& text, const std::string& keyword, int skip = 0) {
    std::vector<std::string> out;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream words(line);
        std::string first, word;
        if (!(words >> first) || first != keyword) continue;
        for (int i = 0; i <= skip; ++i) words >> word;
        out.push_back(word);
    }
    return out;
}

bool all_loopback(const std::vector<std::string>& addresses) {
    return std::all_of(addresses.begin(), addresses.end(), [](const std::string& a) { return a.rfind("127.0.0.1:", 0) == 0; });
}

TEST_CASE("native configs: the loopback haproxy.cfg validates, binds 127.0.0.1 and balances the instances' host ports") {
    TempDir dir("native-haproxy");
    const Stack s = load_stack_text("services:\n  gateway:\n    replicas: 2\n", "aaiti.yaml", dir.path().string());
    const GeneratedFile cfg = render_haproxy(s, Network::loopback);
    expect_tool_accepts({"haproxy", "-c", "-f", write(dir, {cfg}).string()});

    const auto binds = words_after(cfg.content, "bind");
    CHECK(binds == std::vector<std::string>{"127.0.0.1:80", "127.0.0.1:8404"});
    const auto servers = words_after(cfg.content, "server", 1);  // server <name> <address>
    CHECK(servers == std::vector<std::string>{"127.0.0.1:3000", "127.0.0.1:3100"});
    CHECK_THAT(cfg.content, Contains("option forwardfor"));  // the gateway believes it from 127.0.0.1
    CHECK_THAT(cfg.content, Contains("http-check send meth GET uri /health") && Contains("cookie SERVERID insert") &&
                                Contains("check inter 2000ms fall 3 rise 2 cookie gateway-2") && Contains("stats uri /stats") &&
                                Contains("prometheus-exporter") && Contains("native runtime"));
}

TEST_CASE("native configs: with a certificate the loopback HTTPS bind is 127.0.0.1 too") {
    TempDir dir("native-haproxy-tls");
    const auto made = run_process({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                                   "-keyout", (dir / "key.pem").string(), "-out", (dir / "crt.pem").string()});
    REQUIRE(made.exit_code == 0);
    write_text_file(dir / "site.pem", read_text_file(dir / "crt.pem") + read_text_file(dir / "key.pem"));
    const Stack s = load_stack_text("load_balancer:\n  certificate: \"site.pem\"\n  http_port: 8080\n  https_port: 8443\n", "aaiti.yaml",
                                    dir.path().string());
    const GeneratedFile cfg = render_haproxy(s, Network::loopback);
    expect_tool_accepts({"haproxy", "-c", "-f", write(dir, {cfg}).string()});
    CHECK(words_after(cfg.content, "bind") == std::vector<std::string>{"127.0.0.1:8080", "127.0.0.1:8443", "127.0.0.1:8404"});
}

TEST_CASE("native configs: the loopback prometheus.yml validates and scrapes only 127.0.0.1, the supervisor included") {
    TempDir dir("native-prometheus");
    Stack s = load_stack_text("monitoring:\n  supervisor:\n    port: 9290\n  prometheus:\n    port: 9191\n", "aaiti.yaml", dir.path().string());
    // The supervisor passes the Stack it runs: here without ml (say, no native binary for it).
    s.services.erase(std::remove_if(s.services.begin(), s.services.end(), [](const Service& svc) { return svc.name == "ml"; }),
                     s.services.end());
    ProfileSelection all;
    all.replica = all.monitoring = all.load_balancer = true;
    const auto files = render_prometheus(s, all, Network::loopback);
    const fs::path config = write(dir, files);
    expect_tool_accepts({"promtool", "check", "config", config.string()});  // reads alert-rules.yml beside it too
    expect_tool_accepts({"promtool", "check", "rules", (dir / "prometheus" / "alert-rules.yml").string()});

    const std::string text = files.front().content;
    for (const char* container_host : {"alertmanager:", "haproxy:", "gateway:", "auth-1:", "postgres", "localhost"}) {
        INFO(container_host);
        CHECK(text.find(container_host) == std::string::npos);
    }
    const YAML::Node yaml = YAML::Load(text);
    std::map<std::string, std::vector<std::string>> targets;  // job -> targets
    for (const auto& job : yaml["scrape_configs"]) {
        CHECK(job["metrics_path"].as<std::string>() == "/metrics");
        for (const auto& t : job["static_configs"][0]["targets"]) targets[job["job_name"].as<std::string>()].push_back(t.as<std::string>());
    }
    for (const auto& [job, list] : targets) {
        INFO(job);
        CHECK(all_loopback(list));
    }
    using list = std::vector<std::string>;
    CHECK(targets.size() == 6 + 4);  // the services but ml, haproxy, prometheus, alertmanager, the supervisor
    CHECK(targets.count("ml") == 0);
    CHECK(targets["auth"] == list{"127.0.0.1:3001", "127.0.0.1:3101"});
    CHECK(targets["haproxy"] == list{"127.0.0.1:8404"});
    CHECK(targets["prometheus"] == list{"127.0.0.1:9191"});
    CHECK(targets["alertmanager"] == list{"127.0.0.1:9093"});
    CHECK(targets["aaiti-supervisor"] == list{"127.0.0.1:9290"});
    CHECK(yaml["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"][0].as<std::string>() == "127.0.0.1:9093");
    // No exporter natively: neither the job nor a rule on its metric; the backup rule reads the supervisor.
    const std::string rules = files.back().content;
    CHECK(rules.find("pg_replication_lag") == std::string::npos);
    CHECK_THAT(rules, Contains("aaiti_backup_last_success_timestamp_seconds"));
}

TEST_CASE("native configs: the compose files are what they were without the Network parameter") {
    TempDir dir("native-compose");
    const Stack s = load_stack_text("", "aaiti.yaml", dir.path().string());
    const GeneratedFile cfg = render_haproxy(s);
    CHECK(cfg.content == render_haproxy(s, Network::containers).content);
    CHECK(words_after(cfg.content, "bind") == std::vector<std::string>{":80", ":8404"});
    CHECK(words_after(cfg.content, "server", 1) == std::vector<std::string>{"gateway:3000"});
    CHECK_THAT(cfg.content, Contains("# Generated by `aaitictl compose generate`"));

    ProfileSelection all;
    all.replica = all.monitoring = all.load_balancer = true;
    const auto prometheus = render_prometheus(s, all);
    const std::string text = prometheus.front().content;
    CHECK(text == render_prometheus(s, all, Network::containers).front().content);
    CHECK_THAT(text, Contains("- targets: [\"alertmanager:9093\"]") && Contains("\"auth-1:3001\", \"auth-2:3001\"") &&
                         Contains("\"postgres-exporter:9187\"") && Contains("\"localhost:9090\""));
    CHECK(text.find("aaiti-supervisor") == std::string::npos);
    CHECK_THAT(prometheus.back().content, Contains("pg_replication_lag"));
}

}  // namespace
}  // namespace aaiti::test
