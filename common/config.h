#pragma once
// Effective configuration: flags > environment > stack file (aaiti.yaml) > defaults.
//
// Keys are the seed's environment variable names (DB_HOST, JWT_SECRET, ...). Each known key also has a
// path in the stack file (DB_HOST <-> database.host) and a kind that its value is checked against when
// the configuration is loaded. Every secret key K may instead be given as K_FILE (environment) or in the
// stack file as `<path>_file`, naming a file that holds it.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aaiti {

// secret: shown as **** everywhere. secret_url: a URL whose password is masked when shown.
// duration: "15m", "7d", ...; a bare number means seconds. duration_ms: the same, but a bare number means
// milliseconds, because the seed gives that key in milliseconds (RATE_LIMIT_WINDOW=900000 is
// express-rate-limit's windowMs, 15 minutes). See parse_duration.
enum class ConfigKind { text, integer, port, duration, duration_ms, url, path, secret, secret_url, log_level, log_format };

enum class ConfigSource { flag, environment, stack_file, default_value };
std::string_view to_string(ConfigSource source);

// A key the project knows: its name, where it lives in the stack file, its kind and its default.
struct ConfigKey {
    std::string_view name;        // DB_PORT
    std::string_view stack_path;  // database.port
    ConfigKind kind;
    std::string_view default_value;  // empty: unset unless given
    std::string_view description;
    std::int64_t min = 0, max = 0;  // for integer kinds
    std::string_view schemes = {};  // url kinds: accepted schemes, comma-separated ("libpq" = key=value form)
};
const std::vector<ConfigKey>& known_config_keys();

// A variable of the seed's environment that we read nowhere, with the reason. `aaitictl config check`
// warns about each one that is set, so a setting is never dropped in silence.
struct IgnoredSeedVariable {
    std::string_view name;    // PROMETHEUS_ENDPOINT
    std::string_view reason;  // why it has no meaning here, and what to use instead
};
const std::vector<IgnoredSeedVariable>& ignored_seed_variables();

struct ConfigEntry {
    std::string key;
    std::string value;
    ConfigSource source = ConfigSource::default_value;
    std::string origin;  // "--db-port", "environment DB_PORT", "aaiti.yaml:12 (database.port)", "default"
    bool secret = false;

    // The value as it may be shown: secrets as "****", passwords in URLs masked, empty secrets shown empty.
    std::string display_value() const;
};

struct ConfigLoadOptions {
    // Path of the stack file; when empty, ./aaiti.yaml is read if it exists. A path given here must exist.
    std::string stack_file;
    // Values from command-line flags, by key, with the flag that gave each (for messages).
    struct FlagValue {
        std::string value;
        std::string flag;
    };
    std::map<std::string, FlagValue> flags;
    // The environment to read; when unset the process environment is used (tests pass their own).
    std::optional<std::map<std::string, std::string>> environment;
};

class Config {
public:
    // Loads and validates every known key. Throws ConfigError naming the key, where the bad value came
    // from and what is accepted, e.g.
    //   DB_PORT: "abc" from environment DB_PORT is not a port; expected an integer from 1 to 65535
    static Config load(const ConfigLoadOptions& options = {});

    // Values that are unset (no default and not given) are nullopt.
    std::optional<std::string> get(std::string_view key) const;
    std::string get_or(std::string_view key, std::string_view fallback) const;
    std::int64_t get_int(std::string_view key) const;  // integer and port kinds
    std::chrono::milliseconds get_duration(std::string_view key) const;
    const ConfigEntry* entry(std::string_view key) const;
    // Every known key in catalogue order, set or not (unset ones have an empty value).
    const std::vector<ConfigEntry>& entries() const { return entries_; }
    // The stack file that was read, if any.
    const std::string& stack_file() const { return stack_file_; }
    // The ignored seed variables (ignored_seed_variables()) set in the environment that was read.
    const std::vector<IgnoredSeedVariable>& ignored_variables_set() const { return ignored_set_; }

    // The PostgreSQL URL for writes: WRITE_DB_URL, else built from DB_HOST/PORT/NAME/USER/PASSWORD.
    std::string write_db_url() const;
    // The PostgreSQL URL for reads: READ_DB_URL, else the write URL.
    std::string read_db_url() const;

private:
    std::vector<ConfigEntry> entries_;
    std::string stack_file_;
    std::vector<IgnoredSeedVariable> ignored_set_;
};

// "7d", "15m", "30s", "250ms", "1h30m", or a bare integer counting `bare_unit`s (seconds unless the key
// is a duration_ms one). Throws std::invalid_argument.
std::chrono::milliseconds parse_duration(std::string_view text, std::chrono::milliseconds bare_unit = std::chrono::seconds(1));

// JAEGER_ENDPOINT must be an OTLP/HTTP receiver (Jaeger's :4318, POST /v1/traces): the gateway sends
// OTLP JSON. The seed's http://jaeger:14268/api/traces is Jaeger's Thrift-over-HTTP collector, which
// refuses it; that value (port 14268 or a path under /api/traces) throws ConfigError naming the OTLP URL
// to use instead. `origin` says where the value came from ("environment JAEGER_ENDPOINT").
void check_trace_endpoint(std::string_view url, std::string_view origin);

// "a b/c" -> "a%20b%2Fc" (RFC 3986 unreserved characters kept): user names, passwords and database names
// inside postgresql:// URLs.
std::string percent_encode(std::string_view text);

}  // namespace aaiti
