#include "stack/stack_loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/config.h"
#include "common/error.h"
#include "stack/cron_schedule.h"
#include "stack/stack_defaults.h"

namespace aaiti::stack {
namespace {

namespace fs = std::filesystem;

constexpr int k_max_replicas = 16;

// A node with the dotted path and file that reached it, so every message can name both.
class Reader {
public:
    Reader(YAML::Node node, std::string path, const std::string* file) : node_(std::move(node)), path_(std::move(path)), file_(file) {}

    // The child at `key`, or an absent reader (present() false) when the key is missing or null.
    Reader operator[](const std::string& key) const {
        const std::string path = path_.empty() ? key : path_ + "." + key;
        if (!present()) return Reader(YAML::Node(), path, file_);
        if (!node_.IsMap()) fail("expected a mapping of keys");
        const YAML::Node child = static_cast<const YAML::Node&>(node_)[key];
        return Reader(child ? child : YAML::Node(), path, file_);
    }
    bool present() const { return node_.IsDefined() && !node_.IsNull(); }
    const std::string& path() const { return path_; }
    const YAML::Node& node() const { return node_; }

    [[noreturn]] void fail(const std::string& what) const {
        std::string where = *file_;
        if (node_.IsDefined() && !node_.Mark().is_null()) where += ":" + std::to_string(node_.Mark().line + 1);
        throw ConfigError(where + ": " + path_ + ": " + what);
    }
    std::string got() const {
        if (node_.IsMap()) return "a mapping";
        if (node_.IsSequence()) return "a list";
        return "\"" + node_.Scalar() + "\"";
    }

    void read(std::string& out) const {
        if (!present()) return;
        if (!node_.IsScalar()) fail("expected a text value, got " + got());
        out = node_.Scalar();
    }
    void read(int& out, int min, int max) const {
        if (!present()) return;
        int v = 0;
        const std::string& text = node_.IsScalar() ? node_.Scalar() : std::string();
        const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
        if (!node_.IsScalar() || text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() || v < min || v > max)
            fail("expected an integer from " + std::to_string(min) + " to " + std::to_string(max) + ", got " + got());
        out = v;
    }
    void read_port(int& out) const { read(out, 1, 65535); }
    void read(bool& out) const {
        if (!present()) return;
        const std::string text = node_.IsScalar() ? node_.Scalar() : std::string();
        if (text == "true") out = true;
        else if (text == "false") out = false;
        else fail("expected true or false, got " + got());
    }
    void read(std::chrono::milliseconds& out) const {
        if (!present()) return;
        try {
            if (node_.IsScalar()) {
                out = parse_duration(node_.Scalar());
                if (out.count() > 0) return;
            }
        } catch (const std::invalid_argument&) {
        }
        fail("expected a duration such as 250ms, 30s, 15m, 26h or 7d, got " + got());
    }
    void read_ratio(double& out) const {
        if (!present()) return;
        try {
            std::size_t used = 0;
            const double v = node_.IsScalar() ? std::stod(node_.Scalar(), &used) : -1;
            if (used == node_.Scalar().size() && v > 0 && v < 1) {
                out = v;
                return;
            }
        } catch (const std::exception&) {
        }
        fail("expected a ratio between 0 and 1 (0.05 is 5%), got " + got());
    }
    // A path, made absolute against `base` (the stack file's directory).
    void read_path(std::string& out, const std::string& base) const {
        std::string text;
        read(text);
        if (!present()) return;
        out = text.empty() ? std::string() : resolve_path(base, text);
    }
    // "a@x, b@y" or a YAML list.
    void read_list(std::vector<std::string>& out) const {
        if (!present()) return;
        out.clear();
        if (node_.IsSequence()) {
            for (std::size_t i = 0; i < node_.size(); ++i) {
                Reader item(node_[i], path_ + "[" + std::to_string(i) + "]", file_);
                std::string s;
                item.read(s);
                out.push_back(s);
            }
            return;
        }
        std::string text;
        read(text);
        std::stringstream parts(text);
        for (std::string part; std::getline(parts, part, ',');) {
            const auto b = part.find_first_not_of(" \t"), e = part.find_last_not_of(" \t");
            if (b != std::string::npos) out.push_back(part.substr(b, e - b + 1));
        }
    }

private:
    YAML::Node node_;
    std::string path_;
    const std::string* file_;
};

bool valid_name(const std::string& name) {
    if (name.empty() || name.size() > 40 || !std::islower(static_cast<unsigned char>(name[0]))) return false;
    return name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos;
}

// Sections the stack owns entirely (services.<name>, load_balancer, monitoring) reject keys they do not
// know, so a typo (`replica: 2`) is an error instead of a silently ignored line. Keys of the configuration
// catalogue (services.auth.url, ...) are accepted too. Other sections are shared with other readers
// (common/config.h, later capabilities) and are not checked here.
void reject_unknown_keys(const Reader& r, std::initializer_list<std::string_view> known) {
    if (!r.present() || !r.node().IsMap()) return;
    for (const auto& kv : r.node()) {
        const std::string key = kv.first.as<std::string>();
        if (std::find(known.begin(), known.end(), key) != known.end()) continue;
        const std::string path = r.path() + "." + key;
        bool catalogue = false;
        for (const auto& k : known_config_keys())
            catalogue = catalogue || k.stack_path == path || std::string(k.stack_path) + "_file" == path;
        if (catalogue) continue;
        std::string list;
        for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        r[key].fail("unknown key; expected one of " + list);
    }
}

void read_resources(const Reader& r, Resources& out) {
    r["cpus"].read(out.cpus);
    r["memory"].read(out.memory);
}

void read_service(const Reader& r, Service& s) {
    reject_unknown_keys(r, {"port", "replicas", "image", "build", "route_prefix", "environment", "resources"});
    reject_unknown_keys(r["resources"], {"cpus", "memory"});
    r["port"].read_port(s.port);
    r["replicas"].read(s.replicas, 1, k_max_replicas);
    r["image"].read(s.image);
    r["build"].read(s.build);
    r["route_prefix"].read(s.route_prefix);
    const Reader env = r["environment"];
    if (env.present()) {
        if (!env.node().IsMap()) env.fail("expected a mapping of NAME: value, got " + env.got());
        for (const auto& kv : env.node()) {
            const std::string name = kv.first.as<std::string>();
            std::string value;
            env[name].read(value);
            s.environment[name] = value;
        }
    }
    read_resources(r["resources"], s.resources);
}

void read_services(const Reader& r, Stack& stack) {
    if (!r.present()) return;
    if (!r.node().IsMap()) r.fail("expected a mapping of service names, got " + r.got());
    for (const auto& kv : r.node()) {
        const std::string name = kv.first.as<std::string>();
        const Reader entry = r[name];
        if (!valid_name(name)) entry.fail("a service name is lower-case letters, digits and '-', starting with a letter");
        if (entry.present() && !entry.node().IsMap()) entry.fail("expected a mapping (port:, replicas:, ...), got " + entry.got());
        Service* s = nullptr;
        for (auto& existing : stack.services)
            if (existing.name == name) s = &existing;
        if (!s) {  // a service the seed did not have: an image the user brings, upstream key <NAME>_SERVICE_URL
            Service added;
            added.name = name;
            added.image = "aaiti/" + name + ":latest";
            added.route_prefix = "/api/" + name;
            std::string key;
            for (char c : name) key += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            added.config_key = key + "_SERVICE_URL";
            added.resources = {"0.50", "256M"};
            stack.services.push_back(added);
            s = &stack.services.back();
            if (!entry["port"].present()) entry.fail("a service the seed does not have needs a port");
        }
        read_service(entry, *s);
    }
}

void check_ports_unique(const Stack& s, const std::string& file) {
    std::map<int, std::string> used;
    auto claim = [&](int port, const std::string& what) {
        auto [it, inserted] = used.emplace(port, what);
        if (!inserted) throw ConfigError(file + ": " + what + " and " + it->second + " both use port " + std::to_string(port));
    };
    for (const auto& svc : s.services) {
        claim(svc.port, "services." + svc.name + ".port");
        for (int i = 1; i < svc.replicas; ++i)  // replicas publish port + 100 * i (instance_host_port)
            claim(instance_host_port(svc, i), "services." + svc.name + " replica " + std::to_string(i + 1));
    }
    claim(s.database.port, "database.port");
    claim(s.database.replica_port, "database.replica.port");
    claim(s.redis.port, "redis.port");
    claim(s.load_balancer.http_port, "load_balancer.http_port");
    if (!s.load_balancer.certificate.empty()) claim(s.load_balancer.https_port, "load_balancer.https_port");
    claim(s.load_balancer.stats_port, "load_balancer.stats_port");
    const auto& m = s.monitoring;
    claim(m.prometheus_port, "monitoring.prometheus.port");
    claim(m.alertmanager_port, "monitoring.alertmanager.port");
    claim(m.grafana_port, "monitoring.grafana.port");
    claim(m.jaeger_ui_port, "monitoring.jaeger.ui_port");
    claim(m.jaeger_otlp_http_port, "monitoring.jaeger.otlp_http_port");
    claim(m.supervisor_port, "monitoring.supervisor.port");
}

}  // namespace

Stack load_stack_text(const std::string& text, const std::string& file_name, const std::string& base_dir) {
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        throw ConfigError(file_name + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
    }
    Stack s = default_stack(base_dir);
    const std::string base = resolve_path(base_dir, ".");
    const Reader top(root, "", &file_name);
    if (top.present() && !root.IsMap()) throw ConfigError(file_name + ": the stack file must be a mapping of sections (services:, database:, ...)");

    top["project"].read(s.project);
    if (!valid_name(s.project)) top["project"].fail("a project name is lower-case letters, digits and '-', got \"" + s.project + "\"");
    top["source_dir"].read_path(s.source_dir, base);
    top["secrets_dir"].read_path(s.secrets_dir, base);
    read_services(top["services"], s);
    if (!s.find_service("gateway")) throw ConfigError(file_name + ": services: the stack needs a service named gateway");

    const Reader db = top["database"];
    db["name"].read(s.database.name);
    db["user"].read(s.database.user);
    db["port"].read_port(s.database.port);
    db["image"].read(s.database.image);
    read_resources(db["resources"], s.database.resources);
    db["replica"]["port"].read_port(s.database.replica_port);
    db["replica"]["replication_user"].read(s.database.replication_user);

    const Reader redis = top["redis"];
    redis["port"].read_port(s.redis.port);
    redis["image"].read(s.redis.image);
    read_resources(redis["resources"], s.redis.resources);

    const Reader lb = top["load_balancer"];
    reject_unknown_keys(lb, {"http_port", "https_port", "stats_port", "certificate", "sticky_sessions", "image", "health_check"});
    reject_unknown_keys(lb["health_check"], {"path", "interval", "fall", "rise"});
    auto& l = s.load_balancer;
    lb["http_port"].read_port(l.http_port);
    lb["https_port"].read_port(l.https_port);
    lb["stats_port"].read_port(l.stats_port);
    lb["certificate"].read_path(l.certificate, base);
    if (l.certificate.find_first_of(" \t\"#") != std::string::npos)  // haproxy.cfg takes it as one bare word
        lb["certificate"].fail("the certificate path may not contain spaces, quotes or '#'");
    lb["sticky_sessions"].read(l.sticky_sessions);
    lb["image"].read(l.image);
    const Reader hc = lb["health_check"];
    hc["path"].read(l.health_path);
    if (l.health_path.empty() || l.health_path[0] != '/') hc["path"].fail("expected a path starting with /, got \"" + l.health_path + "\"");
    hc["interval"].read(l.health_interval);
    hc["fall"].read(l.fall, 1, 100);
    hc["rise"].read(l.rise, 1, 100);

    const Reader mon = top["monitoring"];
    reject_unknown_keys(mon, {"prometheus", "alertmanager", "grafana", "jaeger", "postgres_exporter", "supervisor", "alerts"});
    reject_unknown_keys(mon["alerts"], {"latency_p95", "error_ratio", "replication_lag", "backup_max_age"});
    auto& m = s.monitoring;
    mon["prometheus"]["port"].read_port(m.prometheus_port);
    mon["prometheus"]["scrape_interval"].read(m.scrape_interval);
    mon["prometheus"]["image"].read(m.prometheus_image);
    mon["alertmanager"]["port"].read_port(m.alertmanager_port);
    mon["alertmanager"]["image"].read(m.alertmanager_image);
    mon["grafana"]["port"].read_port(m.grafana_port);
    mon["grafana"]["image"].read(m.grafana_image);
    mon["jaeger"]["ui_port"].read_port(m.jaeger_ui_port);
    mon["jaeger"]["otlp_http_port"].read_port(m.jaeger_otlp_http_port);
    mon["jaeger"]["image"].read(m.jaeger_image);
    mon["postgres_exporter"]["image"].read(m.postgres_exporter_image);
    mon["supervisor"]["port"].read_port(m.supervisor_port);
    const Reader th = mon["alerts"];
    th["latency_p95"].read(m.alerts.latency_p95);
    th["error_ratio"].read_ratio(m.alerts.error_ratio);
    th["replication_lag"].read(m.alerts.replication_lag);
    th["backup_max_age"].read(m.alerts.backup_max_age);

    const Reader bk = top["backup"];
    bk["repository"].read_path(s.backup.repository, base);
    bk["schedule"].read(s.backup.schedule);
    try {
        CronSchedule::parse(s.backup.schedule);
    } catch (const ConfigError& e) {  // the parser names the field and the bad text
        bk["schedule"].fail(std::string("expected a cron expression such as \"0 3 * * *\": ") + e.what());
    }
    bk["keep"]["daily"].read(s.backup.keep_daily, 0, 10000);
    bk["keep"]["weekly"].read(s.backup.keep_weekly, 0, 10000);
    bk["keep"]["monthly"].read(s.backup.keep_monthly, 0, 10000);

    const Reader al = top["alerts"];
    auto& a = s.alerts;
    al["slack_webhook"].read(a.slack_webhook);
    al["slack_channel"].read(a.slack_channel);
    al["discord_webhook"].read(a.discord_webhook);
    al["smtp"]["host"].read(a.smtp_host);
    al["smtp"]["port"].read_port(a.smtp_port);
    al["smtp"]["user"].read(a.smtp_user);
    al["smtp"]["password"].read(a.smtp_password);
    al["smtp"]["from"].read(a.smtp_from);
    al["smtp"]["to"].read_list(a.smtp_to);
    for (const auto* url : {&a.slack_webhook, &a.discord_webhook})
        if (!url->empty() && url->rfind("https://", 0) != 0 && url->rfind("http://", 0) != 0)
            al[url == &a.slack_webhook ? "slack_webhook" : "discord_webhook"].fail("expected an http(s):// webhook URL");
    if (a.email() && a.smtp_from.empty()) al["smtp"]["from"].fail("e-mail alerts need a sender address");

    const Reader net = top["network"];
    reject_unknown_keys(net, {"subnet"});
    net["subnet"].read(s.network.subnet);
    if (const std::string problem = compose_subnet_problem(s.network.subnet); !problem.empty()) net["subnet"].fail(problem);

    check_ports_unique(s, file_name);
    return s;
}

Stack load_stack_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError("stack file \"" + path + "\" cannot be read; create one with `aaitictl init` or pass --config");
    std::stringstream text;
    text << in.rdbuf();
    fs::path dir = fs::path(path).parent_path();
    if (dir.empty()) dir = ".";
    return load_stack_text(text.str(), fs::path(path).filename().string(), dir.string());
}

}  // namespace aaiti::stack
