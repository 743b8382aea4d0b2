// Every file `compose generate` writes, for every profile, checked by the tool that reads it:
// docker-compose config -q, haproxy -c, promtool check config/rules, amtool check-config, bash -n, and the
// Grafana dashboards parsed as JSON with every metric name checked against what our services export.
#include <catch2/catch.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>
#include <yaml-cpp/yaml.h>

#include "stack/generate.h"
#include "stack/stack_defaults.h"
#include "stack/stack_loader.h"
#include "tests/support/network.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using Catch::Matchers::Contains;

namespace aaiti::test {
namespace {

namespace fs = std::filesystem;
using namespace aaiti::stack;

// A stack whose source tree and secrets exist (docker-compose checks both) in `dir`.
Stack stack_in(const TempDir& dir, const std::string& extra_yaml = "") {
    for (const char* secret : {"db_password", "replication_password", "jwt_secret", "grafana_admin_password", "redis_password"})
        dir.write_file(std::string("secrets/") + secret, "s3cret\n");
    return load_stack_text(extra_yaml, "aaiti.yaml", dir.path().string());
}

void expect_tool_accepts(const std::vector<std::string>& argv, const std::string& what) {
    const auto r = run_process(argv);
    INFO(what << ": " << argv[0] << "\nstdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exit_code == 0);
}

std::vector<GeneratedFile> generate(const Stack& s, const fs::path& out, std::vector<Profile> profiles) {
    GenerateOptions o;
    o.profiles = std::move(profiles);
    o.output_dir = out.string();
    o.stack_file = "aaiti.yaml";
    return generate_stack_files(s, o);
}

bool has_file(const std::vector<GeneratedFile>& files, const std::string& path) {
    for (const auto& f : files)
        if (f.path == path) return true;
    return false;
}

// Metric names our services register: every "http_...", "auth_..." and "gateway_..." string literal in
// services/ (the kit's and the services' metric registrations).
std::set<std::string> exported_metric_names() {
    std::set<std::string> names;
    const std::regex literal("\"((?:http|auth|gateway)_[a-z_]+)\"");
    for (const auto& entry : fs::recursive_directory_iterator(source_path("services"))) {
        if (!entry.is_regular_file() || entry.path().extension() != ".cpp") continue;
        const std::string text = read_text_file(entry.path());
        for (std::sregex_iterator it(text.begin(), text.end(), literal), end; it != end; ++it) names.insert((*it)[1]);
    }
    return names;
}

// The metric a PromQL selector names: identifiers followed by "{", without histogram suffixes.
std::set<std::string> metrics_in(const std::string& expr) {
    std::set<std::string> names;
    const std::regex selector("([a-zA-Z_:][a-zA-Z0-9_:]*)\\{");
    for (std::sregex_iterator it(expr.begin(), expr.end(), selector), end; it != end; ++it) {
        std::string name = (*it)[1];
        for (const std::string suffix : {"_bucket", "_sum", "_count"})
            if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
                name.resize(name.size() - suffix.size());
        names.insert(name);
    }
    return names;
}

void validate_all(const std::vector<GeneratedFile>& files, const fs::path& out) {
    REQUIRE(has_file(files, "docker-compose.yml"));
    expect_tool_accepts({"docker-compose", "-f", (out / "docker-compose.yml").string(), "config", "-q"}, "compose");
    // Every profile's services must also resolve when that profile is switched on.
    for (const char* profile : {"production", "replica", "monitoring"})
        expect_tool_accepts({"docker-compose", "--profile", profile, "-f", (out / "docker-compose.yml").string(), "config", "-q"}, profile);
    for (const auto& f : files) {
        const std::string path = (out / f.path).string();
        if (f.path == "haproxy/haproxy.cfg") expect_tool_accepts({"haproxy", "-c", "-f", path}, f.path);
        if (f.path == "prometheus/prometheus.yml") expect_tool_accepts({"promtool", "check", "config", path}, f.path);
        if (f.path == "prometheus/alert-rules.yml") expect_tool_accepts({"promtool", "check", "rules", path}, f.path);
        if (f.path == "alertmanager/alertmanager.yml") expect_tool_accepts({"amtool", "check-config", path}, f.path);
        if (f.path.size() > 3 && f.path.substr(f.path.size() - 3) == ".sh") expect_tool_accepts({"bash", "-n", path}, f.path);
    }
}

// docker-compose's resolved view of the generated file (profiles switched on), as YAML.
YAML::Node resolved_compose(const fs::path& out, const std::vector<std::string>& profiles = {"production"}) {
    std::vector<std::string> argv = {"docker-compose", "-f", (out / "docker-compose.yml").string()};
    for (const auto& p : profiles) argv.insert(argv.end(), {"--profile", p});
    argv.push_back("config");
    const auto r = run_process(argv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return YAML::Load(r.out);
}

std::string env_of(const YAML::Node& compose, const std::string& service, const std::string& name) {
    const YAML::Node value = compose["services"][service]["environment"][name];
    return value ? value.as<std::string>() : "<unset>";
}

std::string address_of(const YAML::Node& compose, const std::string& service) {
    const YAML::Node networks = compose["services"][service]["networks"];  // absent without a fixed address
    if (!networks || !networks.IsMap() || !networks["default"] || !networks["default"].IsMap()) return "<dynamic>";
    return networks["default"]["ipv4_address"].as<std::string>();
}

// "service:port" for every port published on all host interfaces; the others must be on 127.0.0.1 (checked).
std::set<std::string> published_everywhere(const YAML::Node& compose) {
    std::set<std::string> out;
    for (const auto& svc : compose["services"]) {
        const std::string name = svc.first.as<std::string>();
        if (!svc.second["ports"]) continue;
        for (const auto& port : svc.second["ports"]) {
            // docker-compose 1.29 writes "127.0.0.1:5432:5432/tcp", or {published, target} without a host address.
            if (port.IsScalar()) {
                INFO(name << ": " << port.as<std::string>());
                CHECK(port.as<std::string>().rfind("127.0.0.1:", 0) == 0);
                continue;
            }
            const std::string host = port["host_ip"] ? port["host_ip"].as<std::string>() : "";
            if (host.empty() || host == "0.0.0.0") out.insert(name + ":" + port["published"].as<std::string>());
            else CHECK(host == "127.0.0.1");
        }
    }
    return out;
}

TEST_CASE("compose generate: every profile's files pass their validators") {
    TempDir dir("stack-gen");
    const Stack s = stack_in(dir);
    const std::vector<std::vector<Profile>> selections = {
        {}, {Profile::production}, {Profile::replica}, {Profile::monitoring}, {Profile::replica, Profile::monitoring}};
    int n = 0;
    for (const auto& profiles : selections) {
        const fs::path out = dir / ("out" + std::to_string(n++));
        const auto files = generate(s, out, profiles);
        INFO("selection " << n);
        validate_all(files, out);
        const bool production = profiles.empty() || profiles[0] == Profile::production;
        CHECK(has_file(files, "haproxy/haproxy.cfg") == production);
        CHECK(has_file(files, "docker/aaiti-gateway.Dockerfile"));
        CHECK(has_file(files, "docker/aaiti-auth.Dockerfile"));
    }
}

TEST_CASE("compose generate: SSL termination, a single gateway without stickiness, and every alert receiver validate") {
    TempDir dir("stack-tls");
    const auto cert = dir / "certs" / "site.pem";
    fs::create_directories(cert.parent_path());
    const auto made = run_process({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                                   "-keyout", (dir / "certs" / "key.pem").string(), "-out", (dir / "certs" / "crt.pem").string()});
    REQUIRE(made.exit_code == 0);
    write_text_file(cert, read_text_file(dir / "certs" / "crt.pem") + read_text_file(dir / "certs" / "key.pem"));
    const Stack s = stack_in(dir,
                             "services:\n  gateway:\n    replicas: 3\n"
                             "load_balancer:\n  certificate: \"certs/site.pem\"\n  sticky_sessions: false\n"
                             "alerts:\n  slack_webhook: \"https://hooks.slack.com/services/T0/B0/XX\"\n  slack_channel: \"#ops\"\n"
                             "  discord_webhook: \"https://discord.com/api/webhooks/1/abc\"\n"
                             "  smtp:\n    host: \"smtp.example.com\"\n    user: \"alerts\"\n    password: \"p&ss\\\"word\"\n"
                             "    from: \"alerts@example.com\"\n    to: \"ops@example.com, oncall@example.com\"\n");
    const fs::path out = dir / "out";
    const auto files = generate(s, out, {Profile::production});
    validate_all(files, out);
    CHECK(published_everywhere(resolved_compose(out)) == std::set<std::string>{"haproxy:80", "haproxy:443"});
    const std::string cfg = read_text_file(out / "haproxy" / "haproxy.cfg");
    CHECK_THAT(cfg, Contains("ssl crt " + cert.string()));
    CHECK_THAT(cfg, Contains("server gateway-3 gateway-3:3000"));
    CHECK(cfg.find("cookie SERVERID") == std::string::npos);
    const std::string am = read_text_file(out / "alertmanager" / "alertmanager.yml");
    CHECK_THAT(am, Contains("slack_configs") && Contains("discord_configs") && Contains("email_configs") && Contains("oncall@example.com"));
    CHECK((fs::status(out / "alertmanager" / "alertmanager.yml").permissions() & fs::perms::others_read) == fs::perms::none);
}

TEST_CASE("compose generate: docker-compose sees each component in its profiles, and values keep their types") {
    TempDir dir("stack-profiles");
    const Stack s = stack_in(dir, "services:\n  auth:\n    environment:\n      FEATURE: \"yes\"\n      VERSION: \"3.8\"\n");
    const fs::path out = dir / "out";
    generate(s, out, {});
    const std::string file = (out / "docker-compose.yml").string();
    // docker-compose 1.29's `config --services` ignores profiles, so read the profiles it resolved instead.
    const auto resolved = run_process({"docker-compose", "-f", file, "config"});
    REQUIRE(resolved.exit_code == 0);
    const YAML::Node services = YAML::Load(resolved.out)["services"];
    const auto profiles_of = [&](const std::string& name) {
        std::vector<std::string> out;
        const YAML::Node svc = services[name];
        if (!svc) return std::vector<std::string>{"<missing>"};
        if (svc["profiles"])
            for (const auto& p : svc["profiles"]) out.push_back(p.as<std::string>());
        return out;
    };
    using list = std::vector<std::string>;
    for (const char* core : {"gateway", "auth-1", "auth-2", "users", "postgres-primary", "redis"}) {
        INFO(core);
        CHECK(profiles_of(core) == list{});
    }
    CHECK(profiles_of("haproxy") == list{"production"});
    CHECK(profiles_of("postgres-replica") == list{"production", "replica"});
    for (const char* monitoring : {"prometheus", "alertmanager", "grafana", "jaeger"}) {
        INFO(monitoring);
        CHECK(profiles_of(monitoring) == list{"production", "monitoring"});
    }
    CHECK(profiles_of("postgres-exporter") == list{"production"});
    // docker-compose reads YAML 1.1: unquoted, these would become true and 3.8.
    CHECK_THAT(resolved.out, Contains("FEATURE: 'yes'") || Contains("FEATURE: \"yes\""));
    CHECK_THAT(resolved.out, Contains("VERSION: '3.8'") || Contains("VERSION: \"3.8\""));
}

TEST_CASE("compose generate: only the edge is published beyond this host; PostgreSQL, Redis, the services and the UIs only on 127.0.0.1") {
    TempDir dir("stack-exposure");
    const Stack s = stack_in(dir);
    generate(s, dir / "prod", {Profile::production});
    const YAML::Node prod = resolved_compose(dir / "prod");
    CHECK(published_everywhere(prod) == std::set<std::string>{"haproxy:80"});
    for (const char* local : {"postgres-primary", "postgres-replica", "redis", "auth-1", "gateway", "prometheus", "grafana"}) {
        INFO(local);
        CHECK(prod["services"][local]["ports"].size() == 1);  // still reachable from this host
    }
    // Generated without HAProxy, the gateway is the edge.
    generate(s, dir / "replica", {Profile::replica});
    CHECK(published_everywhere(resolved_compose(dir / "replica", {"replica"})) == std::set<std::string>{"gateway:3000"});
}

TEST_CASE("compose generate: each service believes X-Forwarded-For only from the proxies in front of it, by fixed addresses") {
    TempDir dir("stack-proxies");
    const Stack s = stack_in(dir, "services:\n  gateway:\n    replicas: 2\nnetwork:\n  subnet: \"10.77.0.0/24\"\n");
    const fs::path out = dir / "out";
    generate(s, out, {Profile::production});
    const YAML::Node c = resolved_compose(out);
    const YAML::Node ipam = c["networks"]["default"]["ipam"]["config"][0];
    CHECK(ipam["subnet"].as<std::string>() == "10.77.0.0/24");
    CHECK(ipam["ip_range"].as<std::string>() == "10.77.0.128/25");  // Docker's pool: clear of the fixed addresses
    CHECK(ipam["gateway"].as<std::string>() == "10.77.0.1");        // the host's side of the bridge, not from the pool
    CHECK(address_of(c, "haproxy") == "10.77.0.2");
    CHECK(address_of(c, "prometheus") == "10.77.0.3");
    CHECK(address_of(c, "gateway-1") == "10.77.0.16");
    CHECK(address_of(c, "gateway-2") == "10.77.0.17");
    CHECK(address_of(c, "auth-1") == "<dynamic>");
    // The gateway believes HAProxy; auth and every other service the gateway and HAProxy (the gateway appends
    // HAProxy's address to the chain it passes on).
    for (const char* gw : {"gateway-1", "gateway-2"}) CHECK(env_of(c, gw, "TRUSTED_PROXIES") == "10.77.0.2");
    for (const char* svc : {"auth-1", "auth-2", "users"}) {
        INFO(svc);
        CHECK(env_of(c, svc, "TRUSTED_PROXIES") == "10.77.0.16,10.77.0.17,10.77.0.2");
    }
    // /metrics (and the gateway's /services): Prometheus and loopback (the containers' own checks).
    for (const char* svc : {"gateway-1", "auth-2"}) CHECK(env_of(c, svc, "METRICS_ALLOW") == "10.77.0.3,127.0.0.0/8,::1");
}

TEST_CASE("compose generate: without HAProxy the gateway is the edge and believes nobody; without Prometheus only loopback reads /metrics") {
    TempDir dir("stack-edge");
    const Stack s = stack_in(dir, "services:\n  auth:\n    environment:\n      TRUSTED_PROXIES: \"10.0.0.0/8\"\n");
    const fs::path out = dir / "out";
    generate(s, out, {Profile::replica});
    const YAML::Node c = resolved_compose(out, {"replica"});
    CHECK(c["services"]["haproxy"].IsDefined() == false);
    CHECK(env_of(c, "gateway", "TRUSTED_PROXIES").empty());
    CHECK(env_of(c, "gateway", "METRICS_ALLOW") == "127.0.0.0/8,::1");
    CHECK(env_of(c, "users", "TRUSTED_PROXIES") == "172.31.240.16");
    // services.<name>.environment replaces a generated variable rather than adding a second one.
    CHECK(env_of(c, "auth-1", "TRUSTED_PROXIES") == "10.0.0.0/8");
    const std::string file = read_text_file(out / "docker-compose.yml");
    CHECK(file.find("\"TRUSTED_PROXIES\": \"172.31.240.16\"\n      \"TRUSTED_PROXIES\"") == std::string::npos);
}

// A compose command string as the container's shell gets it: "$$" is compose's escape for "$".
std::string as_run(std::string text, const std::string& secret_path) {
    for (std::size_t at; (at = text.find("$$")) != std::string::npos;) text.replace(at, 2, "$");
    for (std::size_t at; (at = text.find("/run/secrets/redis_password")) != std::string::npos;) text.replace(at, 27, secret_path);
    return text;
}

TEST_CASE("compose generate: Redis requires the redis_password secret and our services get it in REDIS_URL at start, never in the file") {
    TempDir dir("stack-redis");
    const Stack s = stack_in(dir);
    dir.write_file("secrets/redis_password", "0f1e2d3c4b5a\n");
    const fs::path out = dir / "out";
    generate(s, out, {Profile::production});
    const std::string file = read_text_file(out / "docker-compose.yml");
    CHECK(file.find("0f1e2d3c4b5a") == std::string::npos);
    const YAML::Node c = resolved_compose(out);
    const YAML::Node redis = c["services"]["redis"];
    CHECK(redis["secrets"][0]["source"].as<std::string>() == "redis_password");
    CHECK(c["secrets"]["redis_password"]["file"].as<std::string>() == (dir / "secrets" / "redis_password").string());
    for (const char* client : {"gateway", "auth-1", "auth-2"}) {
        INFO(client);
        CHECK(env_of(c, client, "REDIS_URL") == "<unset>");  // set by the entrypoint, from the secret
        const std::string script = c["services"][client]["entrypoint"][2].as<std::string>();
        CHECK_THAT(script, Contains("cat /run/secrets/redis_password") && Contains("REDIS_URL=\"redis://:$$p@redis:6379\""));
    }

    // Run what the containers run, with the secret at a path of ours: redis-server (through a stand-in for the
    // image's docker-entrypoint.sh) asks for the password, the health check passes with it, and a client's
    // entrypoint hands its binary the URL with the password and its command's arguments.
    const auto secret = (dir / "secrets" / "redis_password").string();
    const auto entrypoint = dir.write_file("bin/docker-entrypoint.sh", "#!/bin/sh\nexec \"$@\"\n");
    fs::permissions(entrypoint, fs::perms::owner_all);
    const int port = free_loopback_port();
    std::string server = as_run(redis["entrypoint"][2].as<std::string>(), secret);
    const auto args_at = server.find("--appendonly yes");
    REQUIRE(args_at != std::string::npos);
    server.replace(args_at, 16, "--appendonly no --save '' --bind 127.0.0.1 --port " + std::to_string(port) + " --dir " + dir.path().string());
    ProcessOptions with_path;
    with_path.env = {{"PATH", (dir / "bin").string() + ":/usr/local/bin:/usr/bin:/bin"}};
    ChildProcess running({"/bin/sh", "-c", server}, with_path);
    std::string health = as_run(redis["healthcheck"]["test"][1].as<std::string>(), secret);
    health.replace(health.find("redis-cli ping"), 14, "redis-cli -p " + std::to_string(port) + " ping");
    int health_exit = -1;
    for (int i = 0; i < 100 && (health_exit = run_process({"/bin/sh", "-c", health}).exit_code) != 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    INFO(running.out() << running.err());
    CHECK(health_exit == 0);
    const auto anonymous = run_process({"redis-cli", "-p", std::to_string(port), "ping"});
    CHECK_THAT(anonymous.out, Contains("NOAUTH"));
    const auto fake = dir.write_file("bin/fake-service", "#!/bin/sh\necho \"$REDIS_URL $*\"\n");
    fs::permissions(fake, fs::perms::owner_all);
    std::string client = as_run(c["services"]["auth-1"]["entrypoint"][2].as<std::string>(), secret);
    client.replace(client.find("/usr/local/bin/aaiti-auth"), 25, fake.string());
    const auto started = run_process({"/bin/sh", "-c", client, "aaiti-auth", "--listen", "0.0.0.0:3001"});
    CHECK(started.out == "redis://:0f1e2d3c4b5a@redis:6379 --listen 0.0.0.0:3001\n");
}

TEST_CASE("compose generate: Dockerfiles are multi-stage on debian:bookworm-slim and run our binary unprivileged") {
    TempDir dir("stack-docker");
    const fs::path out = dir / "out";
    generate(stack_in(dir), out, {Profile::replica});
    const std::string auth = read_text_file(out / "docker" / "aaiti-auth.Dockerfile");
    CHECK_THAT(auth, Contains("FROM debian:bookworm-slim AS build") && Contains("--target aaiti-auth"));
    CHECK_THAT(auth, Contains("\nFROM debian:bookworm-slim\n") && Contains("COPY --from=build /out/aaiti-auth"));
    CHECK_THAT(auth, Contains("USER aaiti") && Contains("EXPOSE 3001"));
    CHECK(fs::exists(out / "docker" / "aaiti-gateway.Dockerfile.dockerignore"));
    CHECK(!fs::exists(out / "docker" / "aaiti-trading.Dockerfile"));  // a pulled image, not built here
}

TEST_CASE("compose generate: the default HAProxy config balances, checks and pins sessions") {
    TempDir dir("stack-lb");
    const fs::path out = dir / "out";
    generate(stack_in(dir), out, {Profile::production});
    const std::string cfg = read_text_file(out / "haproxy" / "haproxy.cfg");
    CHECK_THAT(cfg, Contains("balance roundrobin"));
    CHECK_THAT(cfg, Contains("http-check send meth GET uri /health"));
    CHECK_THAT(cfg, Contains("cookie SERVERID insert"));
    CHECK_THAT(cfg, Contains("bind :8404"));
    CHECK_THAT(cfg, Contains("init-addr last,libc,none"));
    // The client's address for the gateway, which believes it from HAProxy's fixed address only.
    CHECK_THAT(cfg, Contains("option forwardfor"));
}

TEST_CASE("compose generate: services trace to Jaeger's OTLP/HTTP receiver and the gateway lists every instance") {
    TempDir dir("stack-env");
    const fs::path out = dir / "out";
    generate(stack_in(dir), out, {});
    const std::string compose = read_text_file(out / "docker-compose.yml");
    CHECK_THAT(compose, Contains("\"JAEGER_ENDPOINT\": \"http://jaeger:4318/v1/traces\""));
    CHECK(compose.find("14268") == std::string::npos);
    CHECK_THAT(compose, Contains("\"AUTH_SERVICE_URL\": \"http://auth-1:3001,http://auth-2:3001\""));
    CHECK_THAT(compose, Contains("\"--route\", \"/api/auth=http://auth-1:3001,http://auth-2:3001\""));
    CHECK_THAT(compose, Contains("condition: service_healthy"));
    const auto rules = read_text_file(out / "prometheus" / "alert-rules.yml");
    CHECK_THAT(rules, Contains("http_request_duration_seconds_bucket") && Contains("> 0.1"));
}

TEST_CASE("compose generate: dashboards are JSON and use only metrics our services export") {
    TempDir dir("stack-dash");
    const fs::path out = dir / "out";
    const auto files = generate(stack_in(dir), out, {Profile::monitoring});
    const auto exported = exported_metric_names();
    REQUIRE(exported.count("http_request_duration_seconds") == 1);
    int dashboards = 0;
    for (const auto& f : files) {
        if (f.path.rfind("grafana/dashboards/", 0) != 0) continue;
        ++dashboards;
        const auto json = nlohmann::json::parse(read_text_file(out / f.path));
        REQUIRE(json["panels"].is_array());
        for (const auto& panel : json["panels"])
            for (const auto& target : panel["targets"])
                for (const auto& metric : metrics_in(target["expr"].get<std::string>())) {
                    INFO(f.path << ": " << metric);
                    CHECK(exported.count(metric) == 1);
                }
    }
    CHECK(dashboards == 7);
}

}  // namespace
}  // namespace aaiti::test
