#include "common/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "common/error.h"
#include "common/logging.h"
#include "common/secrets.h"

extern char** environ;

namespace aaiti {
namespace {

using K = ConfigKind;

// The catalogue: the seed's names, their stack-file paths, kinds and defaults. Order is display order.
const std::vector<ConfigKey> k_catalogue = {
    {"DB_HOST", "database.host", K::text, "127.0.0.1", "PostgreSQL host"},
    {"DB_PORT", "database.port", K::port, "5432", "PostgreSQL port", 1, 65535},
    {"DB_NAME", "database.name", K::text, "aaiti", "PostgreSQL database name"},
    {"DB_USER", "database.user", K::text, "aaiti", "PostgreSQL user"},
    {"DB_PASSWORD", "database.password", K::secret, "", "PostgreSQL password"},
    {"DB_POOL_MIN", "database.pool.min", K::integer, "2", "connections a service keeps open", 0, 1000},
    {"DB_POOL_MAX", "database.pool.max", K::integer, "10", "most connections a service opens", 1, 1000},
    {"WRITE_DB_URL", "database.write_url", K::secret_url, "", "PostgreSQL URL for writes (overrides DB_*)", 0, 0,
     "postgresql,postgres,libpq"},
    {"READ_DB_URL", "database.read_url", K::secret_url, "", "PostgreSQL URL for reads (default: the write URL)", 0, 0,
     "postgresql,postgres,libpq"},
    {"SQLITE_DB_PATH", "database.sqlite_path", K::path, "data/aaiti.sqlite", "SQLite database (the embedded default)"},
    {"REDIS_URL", "redis.url", K::secret_url, "redis://127.0.0.1:6379", "Redis URL", 0, 0, "redis,redis-sentinel,rediss,unix"},
    {"JWT_SECRET", "auth.jwt_secret", K::secret, "", "HS256 signing secret for tokens"},
    {"JWT_PREVIOUS_SECRETS", "auth.jwt_previous_secrets", K::secret, "",
     "earlier signing secrets, comma-separated: tokens they signed still verify (rotation)"},
    // The seed's service had one token, living JWT_EXPIRES_IN. Here that key keeps its lifetime for the
    // refresh token (the session), and the access token sent with every request lives only
    // JWT_ACCESS_EXPIRES_IN, so a stolen one is soon worthless; clients renew it with the refresh token.
    {"JWT_EXPIRES_IN", "auth.jwt_expires_in", K::duration, "7d",
     "refresh-token (session) lifetime: the seed's single token lifetime; renews access tokens"},
    {"JWT_ACCESS_EXPIRES_IN", "auth.access_token_expires_in", K::duration, "15m",
     "access-token lifetime: the bearer token of every request, renewed with the refresh token"},
    {"AUTH_PASSWORD_COST", "auth.password_cost", K::text, "interactive",
     "argon2id cost: min, interactive, moderate or sensitive"},
    {"AUTH_LOCKOUT_MAX_FAILURES", "auth.lockout.max_failures", K::integer, "5",
     "failed logins per account (and 4x per IP) before a lockout", 1, 1000000},
    {"AUTH_LOCKOUT_DURATION", "auth.lockout.duration", K::duration, "15m", "how long a lockout lasts"},
    {"AUTH_HASH_CONCURRENCY", "auth.hash_concurrency", K::integer, "0",
     "password hashes (login, register, change-password) an auth instance runs at once; 0: one per core but one", 0, 1024},
    {"AUTH_HASH_QUEUE", "auth.hash_queue", K::integer, "32",
     "password requests an auth instance lets wait for a hashing thread; beyond: 503 + Retry-After", 0, 100000},
    {"AUTH_SERVICE_URL", "services.auth.url", K::text, "http://127.0.0.1:3001",
     "auth service upstreams for the gateway, comma-separated"},
    {"TRADING_SERVICE_URL", "services.trading.url", K::text, "http://127.0.0.1:3002",
     "trading service upstreams, comma-separated"},
    {"ANALYTICS_SERVICE_URL", "services.analytics.url", K::text, "http://127.0.0.1:3003",
     "analytics service upstreams, comma-separated"},
    {"ML_SERVICE_URL", "services.ml.url", K::text, "http://127.0.0.1:3004", "ML service upstreams, comma-separated"},
    {"NOTIFICATION_SERVICE_URL", "services.notifications.url", K::text, "http://127.0.0.1:3005",
     "notification service upstreams, comma-separated"},
    {"USER_SERVICE_URL", "services.users.url", K::text, "http://127.0.0.1:3006",
     "user service upstreams, comma-separated"},
    {"BACKUP_REPOSITORY", "backup.repository", K::path, "data/backups", "directory that holds the backups"},
    {"BACKUP_KEY_FILE", "backup.key_file", K::path, "", "file with the 32-byte backup encryption key"},
    {"BACKUP_PASSPHRASE_FILE", "backup.passphrase_file", K::path, "",
     "file with a backup passphrase (argon2id-stretched), instead of a key file"},
    // The seed gives it in milliseconds (900000, express-rate-limit's windowMs): a bare number is ms here.
    // Only here: the seed writes JWT_EXPIRES_IN with a unit ("7d", the jsonwebtoken/ms style, where a bare
    // string would mean ms and a bare number seconds), and a bare "3600" meant as a lifetime is surely an
    // hour, not 3.6 s; every other duration key is ours, documented in seconds.
    {"RATE_LIMIT_WINDOW", "gateway.rate_limit.window", K::duration_ms, "15m",
     "rate-limit window (a bare number is milliseconds, as the seed's 900000)"},
    {"RATE_LIMIT_MAX", "gateway.rate_limit.max", K::integer, "1000", "requests per client per window", 1, 1000000000},
    {"JAEGER_ENDPOINT", "tracing.jaeger_endpoint", K::url, "", "trace collector URL (empty: tracing export off)", 0, 0,
     "http,https"},
    {"SLACK_WEBHOOK", "alerts.slack_webhook", K::secret, "", "Slack incoming-webhook URL"},
    {"DISCORD_WEBHOOK", "alerts.discord_webhook", K::secret, "", "Discord webhook URL"},
    {"SMTP_HOST", "alerts.smtp.host", K::text, "", "SMTP server for e-mail alerts"},
    {"SMTP_PORT", "alerts.smtp.port", K::port, "587", "SMTP port", 1, 65535},
    {"SMTP_USER", "alerts.smtp.user", K::text, "", "SMTP user"},
    {"SMTP_PASS", "alerts.smtp.password", K::secret, "", "SMTP password"},
    {"SMTP_FROM", "alerts.smtp.from", K::text, "", "sender address of alert mail"},
    {"SMTP_TO", "alerts.smtp.to", K::text, "", "recipients of alert mail, comma-separated"},
    {"TRUSTED_PROXIES", "http.trusted_proxies", K::text, "",
     "proxies whose X-Forwarded-For is believed (addresses or CIDRs, comma-separated; empty: none)"},
    {"METRICS_ALLOW", "http.metrics_allow", K::text, "127.0.0.0/8,::1",
     "clients that may read /metrics (and the gateway's /services): addresses or CIDRs, comma-separated"},
    {"LOG_LEVEL", "logging.level", K::log_level, "info", "trace, debug, info, warn, error, critical or off"},
    {"LOG_FORMAT", "logging.format", K::log_format, "text", "text or json"},
    {"NODE_ENV", "deployment.environment", K::text, "",
     "the deployment's environment (production, staging...): span attribute deployment.environment, label of aaiti_build_info"},
    {"SERVICE_VERSION", "deployment.version", K::text, "",
     "version the services report: span attribute service.version, label of aaiti_build_info (empty: the binaries' own)"},
};

// Variables of the seed's environment that nothing here reads. Each one set is named by `config check`.
const std::vector<IgnoredSeedVariable> k_ignored_seed_variables = {
    {"PROMETHEUS_ENDPOINT",
     "nothing is pushed to Prometheus: it scrapes each service's /metrics (the stack file's monitoring.prometheus says where "
     "it runs)"},
    {"PORT",
     "a service's port is the stack file's services.<name>.port or --listen (compose sets PORT only for the seed's images it "
     "runs unported)"},
};

bool is_secret_kind(ConfigKind kind) { return kind == K::secret; }
bool is_duration_kind(ConfigKind kind) { return kind == K::duration || kind == K::duration_ms; }
std::chrono::milliseconds bare_unit_of(ConfigKind kind) {
    return kind == K::duration_ms ? std::chrono::milliseconds(1) : std::chrono::seconds(1);
}
bool may_come_from_file(ConfigKind kind) { return kind == K::secret || kind == K::secret_url; }

std::map<std::string, std::string> process_environment() {
    std::map<std::string, std::string> env;
    for (char** e = environ; e && *e; ++e) {
        std::string_view kv(*e);
        const auto eq = kv.find('=');
        if (eq != std::string_view::npos) env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
    }
    return env;
}

std::optional<std::int64_t> parse_int(std::string_view text) {
    std::int64_t v = 0;
    const auto* end = text.data() + text.size();
    const auto r = std::from_chars(text.data(), end, v);
    if (text.empty() || r.ec != std::errc() || r.ptr != end) return std::nullopt;
    return v;
}

// `"abc" from environment DB_PORT`, or without the value for secrets.
std::string describe(const ConfigEntry& e) {
    if (e.secret) return "the value from " + e.origin;
    return "\"" + mask_secrets_in_url(e.value) + "\" from " + e.origin;
}

std::string scheme_of(std::string_view url) {
    const auto sep = url.find("://");
    if (sep == std::string_view::npos || sep == 0) return {};
    std::string scheme(url.substr(0, sep));
    if (!std::all_of(scheme.begin(), scheme.end(), [](unsigned char c) { return std::isalnum(c) || c == '+' || c == '-' || c == '.'; }))
        return {};
    std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
    return scheme;
}

void validate_url(const ConfigKey& key, const ConfigEntry& e) {
    const std::string schemes(key.schemes);
    const std::string scheme = scheme_of(e.value);
    std::vector<std::string> accepted;
    std::stringstream list(schemes);
    for (std::string s; std::getline(list, s, ',');) accepted.push_back(s);
    const bool libpq_ok = std::find(accepted.begin(), accepted.end(), "libpq") != accepted.end();
    if (scheme.empty()) {
        if (libpq_ok && e.value.find('=') != std::string::npos) return;  // host=... dbname=...
    } else if (accepted.empty() || std::find(accepted.begin(), accepted.end(), scheme) != accepted.end()) {
        return;
    }
    std::string expected;
    for (const auto& s : accepted) {
        if (!expected.empty()) expected += ", ";
        expected += s == "libpq" ? "a libpq key=value string" : s + "://...";
    }
    throw ConfigError(std::string(key.name) + ": " + describe(e) + " is not a URL; expected " +
                      (expected.empty() ? "scheme://..." : expected));
}

void validate(const ConfigKey& key, const ConfigEntry& e) {
    if (e.value.empty() && key.kind != K::integer && key.kind != K::port && !is_duration_kind(key.kind)) return;
    const std::string name(key.name);
    switch (key.kind) {
        case K::integer:
        case K::port: {
            const auto v = parse_int(e.value);
            if (!v || *v < key.min || *v > key.max)
                throw ConfigError(name + ": " + describe(e) + " is not " + (key.kind == K::port ? "a port" : "valid") +
                                  "; expected an integer from " + std::to_string(key.min) + " to " + std::to_string(key.max));
            return;
        }
        case K::duration:
        case K::duration_ms:
            try {
                if (parse_duration(e.value, bare_unit_of(key.kind)).count() > 0) return;
            } catch (const std::invalid_argument&) {
            }
            throw ConfigError(name + ": " + describe(e) + " is not a duration; expected e.g. 250ms, 30s, 15m, 1h30m, 7d " +
                              "(a bare number means " +
                              (key.kind == K::duration_ms ? "milliseconds" : "seconds") + ")");
        case K::url:
        case K::secret_url:
            validate_url(key, e);
            if (key.name == "JAEGER_ENDPOINT") check_trace_endpoint(e.value, e.origin);
            return;
        case K::log_level:
            try {
                logging::parse_level(e.value);
            } catch (const ConfigError& err) {
                throw ConfigError(name + ": " + describe(e) + " is not a log level; use trace, debug, info, warn, error, critical or off");
            }
            return;
        case K::log_format:
            if (e.value != "text" && e.value != "json")
                throw ConfigError(name + ": " + describe(e) + " is not a log format; use text or json");
            return;
        case K::text:
        case K::path:
        case K::secret:
            return;
    }
}

// The stack file, parsed once, with lookups by dotted path.
class StackFile {
public:
    explicit StackFile(const std::string& path) : path_(path), name_(std::filesystem::path(path).filename().string()) {
        try {
            root_ = YAML::LoadFile(path);
        } catch (const YAML::BadFile&) {
            throw ConfigError("stack file \"" + path + "\" cannot be read; check the path given to --config");
        } catch (const YAML::ParserException& e) {
            throw ConfigError(path + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                              ": not valid YAML: " + e.msg);
        }
        if (root_ && !root_.IsNull() && !root_.IsMap())
            throw ConfigError(path + ": the stack file must be a mapping of sections (database:, redis:, ...)");
    }

    struct Value {
        std::string text;
        std::string origin;
    };

    std::optional<Value> find(std::string_view dotted_path) const {
        // reset() rebinds; `node = child` would assign through to the tree (a yaml-cpp trap).
        YAML::Node node;
        node.reset(root_);
        std::string path(dotted_path);
        std::stringstream parts(path);
        for (std::string part; std::getline(parts, part, '.');) {
            if (!node || !node.IsMap()) return std::nullopt;
            const YAML::Node child = std::as_const(node)[part];
            if (!child) return std::nullopt;
            node.reset(child);
        }
        if (node.IsNull()) return std::nullopt;
        const std::string origin = name_ + ":" + std::to_string(node.Mark().line + 1) + " (" + path + ")";
        if (!node.IsScalar())
            throw ConfigError(origin + ": expected a single value, found a " + (node.IsMap() ? "mapping" : "list"));
        return Value{node.Scalar(), origin};
    }

    const std::string& path() const { return path_; }

private:
    std::string path_;
    std::string name_;
    YAML::Node root_;
};

}  // namespace

std::string_view to_string(ConfigSource source) {
    switch (source) {
        case ConfigSource::flag: return "flag";
        case ConfigSource::environment: return "environment";
        case ConfigSource::stack_file: return "stack_file";
        case ConfigSource::default_value: return "default";
    }
    return "default";
}

const std::vector<ConfigKey>& known_config_keys() { return k_catalogue; }
const std::vector<IgnoredSeedVariable>& ignored_seed_variables() { return k_ignored_seed_variables; }

void check_trace_endpoint(std::string_view url, std::string_view origin) {
    // scheme://[userinfo@]host[:port][/path]
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return;
    const std::string_view rest = url.substr(scheme_end + 3);
    const auto path_start = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, path_start);
    const std::string_view path = path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
    std::string_view host = authority, port;
    const auto colon = authority.rfind(':');
    if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {  // not inside [v6]
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    const bool thrift_port = port == "14268";
    const std::string_view under = path.substr(0, 12);
    const bool thrift_path = path == "/api/traces" || under == "/api/traces/" || under == "/api/traces?";
    if (!thrift_port && !thrift_path) return;
    const std::string otlp =
        std::string(url.substr(0, scheme_end)) + "://" + std::string(host.empty() ? "jaeger" : host) + ":4318/v1/traces";
    const std::string why = thrift_port && thrift_path ? "port 14268, path /api/traces" : thrift_port ? "port 14268" : "path /api/traces";
    throw ConfigError("JAEGER_ENDPOINT: \"" + mask_secrets_in_url(url) + "\" from " + std::string(origin) +
                      " is Jaeger's Thrift-over-HTTP collector (" + why +
                      "), which refuses the OTLP/HTTP JSON aaiti sends; use Jaeger's OTLP receiver instead: " + otlp);
}

std::string ConfigEntry::display_value() const {
    if (value.empty()) return value;
    if (secret) return std::string(k_mask);
    return mask_secrets_in_url(value);
}

std::chrono::milliseconds parse_duration(std::string_view text, std::chrono::milliseconds bare_unit) {
    if (text.empty()) throw std::invalid_argument("empty duration");
    if (auto bare = parse_int(text)) {
        if (*bare < 0) throw std::invalid_argument("negative duration");
        if (bare_unit.count() > 0 && *bare > INT64_MAX / bare_unit.count()) throw std::invalid_argument("duration too large");
        return std::chrono::milliseconds(*bare * bare_unit.count());
    }
    std::int64_t total_ms = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t digits = i;
        while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
        if (digits == i) throw std::invalid_argument("expected a number");
        const auto number = parse_int(text.substr(i, digits - i));
        std::size_t unit_end = digits;
        while (unit_end < text.size() && std::isalpha(static_cast<unsigned char>(text[unit_end]))) ++unit_end;
        const std::string_view unit = text.substr(digits, unit_end - digits);
        std::int64_t scale = 0;
        if (unit == "ms") scale = 1;
        else if (unit == "s") scale = 1000;
        else if (unit == "m") scale = 60'000;
        else if (unit == "h") scale = 3'600'000;
        else if (unit == "d") scale = 86'400'000;
        else if (unit == "w") scale = 604'800'000;
        else throw std::invalid_argument("unknown unit");
        if (!number || *number > (INT64_MAX - total_ms) / scale) throw std::invalid_argument("duration too large");
        total_ms += *number * scale;
        i = unit_end;
    }
    return std::chrono::milliseconds(total_ms);
}

Config Config::load(const ConfigLoadOptions& options) {
    Config config;
    const auto env = options.environment ? *options.environment : process_environment();
    auto env_value = [&](const std::string& name) -> std::optional<std::string> {
        const auto it = env.find(name);
        if (it == env.end() || it->second.empty()) return std::nullopt;  // empty means unset, as compose passes them
        return it->second;
    };

    std::optional<StackFile> stack;
    if (!options.stack_file.empty()) {
        if (!std::filesystem::exists(options.stack_file))
            throw ConfigError("stack file \"" + options.stack_file + "\" does not exist; check the path given to --config");
        stack.emplace(options.stack_file);
    } else if (std::filesystem::exists("aaiti.yaml")) {
        stack.emplace("aaiti.yaml");
    }
    if (stack) config.stack_file_ = stack->path();

    for (const auto& [flag_key, flag] : options.flags) {
        if (std::none_of(k_catalogue.begin(), k_catalogue.end(), [&](const ConfigKey& k) { return k.name == flag_key; }))
            throw UsageError("flag " + flag.flag + " sets unknown configuration key " + flag_key);
    }

    for (const ConfigKey& key : k_catalogue) {
        const std::string name(key.name);
        ConfigEntry e;
        e.key = name;
        e.secret = is_secret_kind(key.kind);
        const std::string file_var = name + "_FILE";

        if (auto f = options.flags.find(name); f != options.flags.end()) {
            e.value = f->second.value;
            e.source = ConfigSource::flag;
            e.origin = f->second.flag;
        } else if (auto direct = env_value(name), from_file = may_come_from_file(key.kind) ? env_value(file_var) : std::nullopt;
                   direct || from_file) {
            if (direct && from_file)
                throw ConfigError(name + ": both " + name + " and " + file_var + " are set in the environment; set only one");
            e.source = ConfigSource::environment;
            if (direct) {
                e.value = *direct;
                e.origin = "environment " + name;
            } else {
                e.value = read_secret_file(*from_file, file_var);
                e.origin = "environment " + file_var + " (" + *from_file + ")";
            }
        } else if (auto in_stack = stack ? stack->find(key.stack_path) : std::nullopt) {
            e.value = in_stack->text;
            e.source = ConfigSource::stack_file;
            e.origin = in_stack->origin;
        } else if (auto file_in_stack = (stack && may_come_from_file(key.kind)) ? stack->find(std::string(key.stack_path) + "_file")
                                                                                 : std::nullopt) {
            e.value = read_secret_file(file_in_stack->text, file_in_stack->origin);
            e.source = ConfigSource::stack_file;
            e.origin = file_in_stack->origin;
        } else {
            e.value = std::string(key.default_value);
            e.source = ConfigSource::default_value;
            e.origin = "default";
        }
        validate(key, e);
        config.entries_.push_back(std::move(e));
    }

    for (const auto& variable : k_ignored_seed_variables)
        if (env_value(std::string(variable.name))) config.ignored_set_.push_back(variable);

    const auto pool_min = config.get_int("DB_POOL_MIN"), pool_max = config.get_int("DB_POOL_MAX");
    if (pool_min > pool_max)
        throw ConfigError("DB_POOL_MIN (" + std::to_string(pool_min) + ", from " + config.entry("DB_POOL_MIN")->origin +
                          ") is larger than DB_POOL_MAX (" + std::to_string(pool_max) + ", from " +
                          config.entry("DB_POOL_MAX")->origin + ")");
    return config;
}

const ConfigEntry* Config::entry(std::string_view key) const {
    for (const auto& e : entries_)
        if (e.key == key) return &e;
    return nullptr;
}

std::optional<std::string> Config::get(std::string_view key) const {
    const ConfigEntry* e = entry(key);
    if (!e) throw std::invalid_argument("unknown configuration key " + std::string(key));
    if (e->value.empty()) return std::nullopt;
    return e->value;
}

std::string Config::get_or(std::string_view key, std::string_view fallback) const {
    auto v = get(key);
    return v ? *v : std::string(fallback);
}

std::int64_t Config::get_int(std::string_view key) const {
    const auto v = get(key);
    if (!v) throw ConfigError(std::string(key) + " is not set");
    return *parse_int(*v);  // validated at load
}

std::chrono::milliseconds Config::get_duration(std::string_view key) const {
    const auto v = get(key);
    if (!v) throw ConfigError(std::string(key) + " is not set");
    const auto known = std::find_if(k_catalogue.begin(), k_catalogue.end(), [&](const ConfigKey& k) { return k.name == key; });
    return parse_duration(*v, known == k_catalogue.end() ? bare_unit_of(K::duration) : bare_unit_of(known->kind));
}

std::string percent_encode(std::string_view s) {
    static constexpr char k_hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(k_hex[c >> 4]);
            out.push_back(k_hex[c & 0x0F]);
        }
    }
    return out;
}

std::string Config::write_db_url() const {
    if (auto url = get("WRITE_DB_URL")) return *url;
    std::string userinfo = percent_encode(get_or("DB_USER", ""));
    if (auto password = get("DB_PASSWORD")) userinfo += ":" + percent_encode(*password);
    std::string host = get_or("DB_HOST", "127.0.0.1");
    if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";  // IPv6 literal
    return "postgresql://" + userinfo + "@" + host + ":" + get_or("DB_PORT", "5432") + "/" + percent_encode(get_or("DB_NAME", ""));
}

std::string Config::read_db_url() const {
    if (auto url = get("READ_DB_URL")) return *url;
    return write_db_url();
}

}  // namespace aaiti
