#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "common/config.h"
#include "common/error.h"

using aaiti::Config;
using aaiti::ConfigError;
using aaiti::ConfigLoadOptions;
using aaiti::ConfigSource;

namespace {

// A stack file in a private temporary directory, removed at the end of the test.
struct TempStackFile {
    std::filesystem::path dir;
    std::filesystem::path path;
    explicit TempStackFile(const std::string& yaml) {
        dir = std::filesystem::temp_directory_path() / ("aaiti-config-test-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        path = dir / "aaiti.yaml";
        std::ofstream(path) << yaml;
    }
    ~TempStackFile() { std::filesystem::remove_all(dir); }
};

ConfigLoadOptions with_env(std::map<std::string, std::string> env) {
    ConfigLoadOptions o;
    o.environment = std::move(env);
    return o;
}

std::string load_error(const ConfigLoadOptions& o) {
    try {
        Config::load(o);
    } catch (const ConfigError& e) {
        CHECK(e.exit_code() == 78);
        return e.what();
    }
    FAIL("expected a ConfigError");
    return {};
}

}  // namespace

TEST_CASE("defaults apply when nothing else sets a key") {
    const Config c = Config::load(with_env({}));
    CHECK(c.get("DB_PORT") == "5432");
    CHECK(c.entry("DB_PORT")->source == ConfigSource::default_value);
    CHECK_FALSE(c.get("JWT_SECRET").has_value());
    CHECK(c.get_duration("JWT_EXPIRES_IN") == std::chrono::hours(24 * 7));
}

TEST_CASE("flags beat the environment, which beats the stack file, which beats defaults") {
    TempStackFile stack("database:\n  host: from-file\n  port: 6000\n  name: filedb\n");
    ConfigLoadOptions o = with_env({{"DB_PORT", "7000"}, {"DB_HOST", "from-env"}});
    o.stack_file = stack.path.string();
    o.flags["DB_HOST"] = {"from-flag", "--db-host"};
    const Config c = Config::load(o);
    CHECK(c.get("DB_HOST") == "from-flag");
    CHECK(c.entry("DB_HOST")->origin == "--db-host");
    CHECK(c.get("DB_PORT") == "7000");
    CHECK(c.entry("DB_PORT")->source == ConfigSource::environment);
    CHECK(c.get("DB_NAME") == "filedb");
    CHECK(c.entry("DB_NAME")->source == ConfigSource::stack_file);
    CHECK(c.entry("DB_NAME")->origin == "aaiti.yaml:4 (database.name)");
    CHECK(c.get("DB_USER") == "aaiti");
}

TEST_CASE("a bad port names the key, where it came from and what is accepted") {
    const std::string msg = load_error(with_env({{"DB_PORT", "abc"}}));
    CHECK(msg == "DB_PORT: \"abc\" from environment DB_PORT is not a port; expected an integer from 1 to 65535");
}

TEST_CASE("a bad value in the stack file names the file and line") {
    TempStackFile stack("# comment\nredis:\n  url: localhost:6379\n");
    ConfigLoadOptions o = with_env({});
    o.stack_file = stack.path.string();
    const std::string msg = load_error(o);
    CHECK_THAT(msg, Catch::StartsWith("REDIS_URL: \"localhost:6379\" from aaiti.yaml:3 (redis.url) is not a URL"));
    CHECK_THAT(msg, Catch::Contains("redis://"));
}

TEST_CASE("REDIS_URL accepts the redis-sentinel:// form, from the environment and from the stack file") {
    CHECK(Config::load(with_env({{"REDIS_URL", "redis-sentinel://s1:26379,s2/mymaster/1"}})).get("REDIS_URL") ==
          "redis-sentinel://s1:26379,s2/mymaster/1");
    TempStackFile stack("redis:\n  url: \"redis-sentinel://:pw@s1,s2:26380/cache\"\n");
    ConfigLoadOptions o = with_env({});
    o.stack_file = stack.path.string();
    CHECK(Config::load(o).get("REDIS_URL") == "redis-sentinel://:pw@s1,s2:26380/cache");
    CHECK_THAT(load_error(with_env({{"REDIS_URL", "localhost:6379"}})), Catch::Contains("redis-sentinel://"));
    // The sentinels' own password (a query parameter) is masked like the data nodes' one.
    const Config c = Config::load(with_env({{"REDIS_URL", "redis-sentinel://:pw@s1/m?sentinel_password=hunter2"}}));
    CHECK(c.entry("REDIS_URL")->display_value() == "redis-sentinel://:****@s1/m?sentinel_password=****");
}

TEST_CASE("a stack file that is not YAML gives file, line and column") {
    TempStackFile stack("database:\n  port: [1, 2\n");
    ConfigLoadOptions o = with_env({});
    o.stack_file = stack.path.string();
    CHECK_THAT(load_error(o), Catch::Contains("aaiti.yaml:") && Catch::Contains("not valid YAML"));
}

TEST_CASE("a mapping where a value belongs is rejected with its line") {
    TempStackFile stack("database:\n  port:\n    value: 1\n");
    ConfigLoadOptions o = with_env({});
    o.stack_file = stack.path.string();
    CHECK_THAT(load_error(o), Catch::Contains("(database.port): expected a single value"));
}

TEST_CASE("a stack file given explicitly must exist") {
    ConfigLoadOptions o = with_env({});
    o.stack_file = "/nonexistent/aaiti.yaml";
    CHECK_THAT(load_error(o), Catch::Contains("/nonexistent/aaiti.yaml") && Catch::Contains("does not exist"));
}

TEST_CASE("secrets can come from files named by *_FILE variables") {
    TempStackFile stack("");
    const auto secret_path = stack.dir / "jwt";
    std::ofstream(secret_path) << "s3cret-from-file\n";
    const Config c = Config::load(with_env({{"JWT_SECRET_FILE", secret_path.string()}}));
    CHECK(c.get("JWT_SECRET") == "s3cret-from-file");
    CHECK_THAT(c.entry("JWT_SECRET")->origin, Catch::Contains("JWT_SECRET_FILE"));
}

TEST_CASE("a secret and its *_FILE both set is an error") {
    CHECK_THAT(load_error(with_env({{"DB_PASSWORD", "a"}, {"DB_PASSWORD_FILE", "/x"}})),
               Catch::Contains("both DB_PASSWORD and DB_PASSWORD_FILE"));
}

TEST_CASE("secret values are never shown and URL passwords are masked") {
    const Config c = Config::load(with_env({{"DB_PASSWORD", "hunter2"}, {"WRITE_DB_URL", "postgresql://u:pw@h/db"}}));
    CHECK(c.entry("DB_PASSWORD")->display_value() == "****");
    CHECK(c.entry("WRITE_DB_URL")->display_value() == "postgresql://u:****@h/db");
    CHECK(c.entry("DB_HOST")->display_value() == "127.0.0.1");
}

TEST_CASE("an invalid secret is reported without its value") {
    const std::string msg = load_error(with_env({{"WRITE_DB_URL", "mysql://root:hunter2@h/db"}}));
    CHECK(msg.find("hunter2") == std::string::npos);
    CHECK_THAT(msg, Catch::Contains("WRITE_DB_URL") && Catch::Contains("postgresql://"));
}

TEST_CASE("the write URL is built from DB_* and the read URL falls back to it") {
    const Config c = Config::load(with_env({{"DB_HOST", "db"}, {"DB_USER", "app"}, {"DB_PASSWORD", "p@ss word"}, {"DB_NAME", "trading"}}));
    CHECK(c.write_db_url() == "postgresql://app:p%40ss%20word@db:5432/trading");
    CHECK(c.read_db_url() == c.write_db_url());
    const Config r = Config::load(with_env({{"READ_DB_URL", "postgresql://ro@replica/trading"}}));
    CHECK(r.read_db_url() == "postgresql://ro@replica/trading");
}

TEST_CASE("pool bounds are checked against each other") {
    CHECK_THAT(load_error(with_env({{"DB_POOL_MIN", "20"}, {"DB_POOL_MAX", "5"}})),
               Catch::Contains("DB_POOL_MIN (20") && Catch::Contains("DB_POOL_MAX (5"));
}

TEST_CASE("durations accept units and bare seconds") {
    using namespace std::chrono;
    CHECK(aaiti::parse_duration("250ms") == milliseconds(250));
    CHECK(aaiti::parse_duration("1h30m") == minutes(90));
    CHECK(aaiti::parse_duration("7d") == hours(168));
    CHECK(aaiti::parse_duration("15") == seconds(15));
    CHECK_THROWS_AS(aaiti::parse_duration("15 minutes"), std::invalid_argument);
    CHECK_THROWS_AS(aaiti::parse_duration("m"), std::invalid_argument);
    CHECK_THAT(load_error(with_env({{"JWT_EXPIRES_IN", "soon"}})), Catch::Contains("JWT_EXPIRES_IN") && Catch::Contains("not a duration"));
}

TEST_CASE("the seed's RATE_LIMIT_WINDOW=900000 is 15 minutes: a bare number is milliseconds for that key alone") {
    using namespace std::chrono;
    CHECK(aaiti::parse_duration("900000", milliseconds(1)) == minutes(15));
    CHECK(Config::load(with_env({{"RATE_LIMIT_WINDOW", "900000"}})).get_duration("RATE_LIMIT_WINDOW") == minutes(15));
    CHECK(Config::load(with_env({{"RATE_LIMIT_WINDOW", "15m"}})).get_duration("RATE_LIMIT_WINDOW") == minutes(15));
    CHECK(Config::load(with_env({{"RATE_LIMIT_WINDOW", "90s"}})).get_duration("RATE_LIMIT_WINDOW") == seconds(90));
    // Keys the seed gives as text with a unit ("7d") or that are ours keep bare seconds.
    CHECK(Config::load(with_env({{"JWT_EXPIRES_IN", "3600"}})).get_duration("JWT_EXPIRES_IN") == hours(1));
    CHECK(Config::load(with_env({{"AUTH_LOCKOUT_DURATION", "60"}})).get_duration("AUTH_LOCKOUT_DURATION") == minutes(1));
    CHECK_THAT(load_error(with_env({{"RATE_LIMIT_WINDOW", "soon"}})), Catch::Contains("a bare number means milliseconds"));
}

TEST_CASE("JAEGER_ENDPOINT refuses the seed's Thrift collector URL and names the OTLP one") {
    const std::string seed = load_error(with_env({{"JAEGER_ENDPOINT", "http://jaeger:14268/api/traces"}}));
    CHECK_THAT(seed, Catch::Contains("JAEGER_ENDPOINT") && Catch::Contains("environment JAEGER_ENDPOINT") &&
                         Catch::Contains("Thrift") && Catch::Contains("(port 14268, path /api/traces)") &&
                         Catch::Contains("http://jaeger:4318/v1/traces"));
    CHECK_THAT(load_error(with_env({{"JAEGER_ENDPOINT", "http://tracing.example:14268"}})),
               Catch::Contains("port 14268") && Catch::Contains("http://tracing.example:4318/v1/traces"));
    CHECK_THAT(load_error(with_env({{"JAEGER_ENDPOINT", "https://collector/api/traces"}})),
               Catch::Contains("path /api/traces") && Catch::Contains("https://collector:4318/v1/traces"));
    CHECK(Config::load(with_env({{"JAEGER_ENDPOINT", "http://jaeger:4318/v1/traces"}})).get("JAEGER_ENDPOINT"));
    CHECK(Config::load(with_env({{"JAEGER_ENDPOINT", "http://jaeger:4318"}})).get("JAEGER_ENDPOINT"));
}

TEST_CASE("seed variables nothing reads are reported when set, SERVICE_VERSION and NODE_ENV are keys") {
    const Config c = Config::load(with_env({{"PROMETHEUS_ENDPOINT", "http://prometheus:9090"}, {"NODE_ENV", "production"},
                                            {"SERVICE_VERSION", "2.1.0"}}));
    REQUIRE(c.ignored_variables_set().size() == 1);
    CHECK(c.ignored_variables_set()[0].name == "PROMETHEUS_ENDPOINT");
    CHECK(c.get("NODE_ENV") == "production");
    CHECK(c.get("SERVICE_VERSION") == "2.1.0");
    CHECK(Config::load(with_env({})).ignored_variables_set().empty());
}

TEST_CASE("empty environment values count as unset") {
    const Config c = Config::load(with_env({{"DB_PORT", ""}}));
    CHECK(c.entry("DB_PORT")->source == ConfigSource::default_value);
}
