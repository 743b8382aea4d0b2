// Behaviour of the aaitictl binary as a user sees it: exit codes, what goes to stdout and stderr,
// JSON shapes, configuration precedence and secret masking. Each test runs the real built binary.
#include <catch2/catch.hpp>

#include <fstream>
#include <initializer_list>
#include <sstream>
#include <stdexcept>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "build_info.h"
#include "common/config.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using aaiti::test::ProcessOptions;
using aaiti::test::ProcessResult;
using aaiti::test::TempDir;
using nlohmann::json;

namespace {

using Environment = std::vector<std::pair<std::string, std::string>>;

std::string aaitictl_path() { return aaiti::test::binary_path("aaitictl"); }

// Options for a run in `cwd` with exactly `env` (plus PATH): nothing of the environment of whoever runs
// the tests (DB_*, NO_COLOR, LOG_LEVEL, ...) leaks in.
ProcessOptions clean_options(const TempDir& cwd, Environment env = {}) {
    ProcessOptions options;
    options.inherit_environment = false;
    options.env = std::move(env);
    options.working_dir = cwd.path().string();
    return options;
}

// Runs `aaitictl args...` with `options`.
ProcessResult run_aaitictl(const std::vector<std::string>& args, const ProcessOptions& options) {
    std::vector<std::string> argv{aaitictl_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    return aaiti::test::run_process(argv, options);
}

// Runs aaitictl in `cwd` (a fresh directory, so no stray ./aaiti.yaml is read) with only `env`.
ProcessResult aaitictl(const std::vector<std::string>& args, const TempDir& cwd, Environment env = {}) {
    return run_aaitictl(args, clean_options(cwd, std::move(env)));
}

// An initializer_list, not Environment: `aaitictl(args, {{"K", "V"}})` must not be ambiguous with the
// overload above (TempDir's explicit string_view constructor also accepts a pair of C strings).
ProcessResult aaitictl(const std::vector<std::string>& args,
                       std::initializer_list<std::pair<std::string, std::string>> env = {}) {
    const TempDir cwd("aaiti-cli-test");
    return aaitictl(args, cwd, Environment(env));
}

json parse_json(const std::string& text) {
    INFO("stdout: " << text);
    json doc = json::parse(text, nullptr, false);
    REQUIRE_FALSE(doc.is_discarded());
    return doc;
}

// By value: callers pass a temporary document straight from parse_json.
json entry_of(const json& config_doc, const std::string& key) {
    for (const json& e : config_doc.at("entries"))
        if (e.at("key") == key) return e;
    FAIL("no entry " << key << " in config show output");
    throw std::logic_error("unreachable");
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("aaitictl --version exits 0 and prints the version and git revision", "[cli]") {
    const auto r = aaitictl({"--version"});
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, std::string("aaitictl ") + aaiti::build_info::k_version));
    CHECK(contains(r.out, aaiti::build_info::k_git_revision));
    CHECK(r.err.empty());
}

TEST_CASE("version -o json prints the version and every library version", "[cli]") {
    // Global options are accepted before and after the verb.
    for (const auto& args : {std::vector<std::string>{"version", "-o", "json"},
                             std::vector<std::string>{"--output=json", "version"}}) {
        const auto r = aaitictl(args);
        REQUIRE(r.exit_code == 0);
        const json doc = parse_json(r.out);
        CHECK(doc.at("version") == aaiti::build_info::k_version);
        CHECK(doc.at("git_revision") == aaiti::build_info::k_git_revision);
        for (const char* lib : {"libpq", "libpqxx", "libcurl", "openssl", "libsodium", "sqlite", "zstd", "boost"}) {
            INFO(lib);
            REQUIRE(doc.at("libraries").contains(lib));
            CHECK(doc.at("libraries").at(lib).is_string());
            CHECK_FALSE(doc.at("libraries").at(lib).get<std::string>().empty());
        }
        CHECK(doc.at("libraries").at("libpq").get<std::string>().rfind("15.", 0) == 0);
    }
}

TEST_CASE("version as a table prints one aligned line per item", "[cli]") {
    const auto r = aaitictl({"version"});
    REQUIRE(r.exit_code == 0);
    CHECK(contains(r.out, "aaitictl"));
    CHECK(contains(r.out, "libpq "));
    CHECK(contains(r.out, "openssl "));
    // Values start in the same column on every line.
    std::size_t column = std::string::npos;
    std::size_t start = 0;
    while (start < r.out.size()) {
        const std::size_t end = r.out.find('\n', start);
        const std::string line = r.out.substr(start, end - start);
        const std::size_t value_at = line.find_first_not_of(' ', line.find("  "));
        if (column == std::string::npos) column = value_at;
        CHECK(value_at == column);
        start = end == std::string::npos ? r.out.size() : end + 1;
    }
}

TEST_CASE("an unknown flag exits 64 and names the flag on stderr", "[cli]") {
    const auto r = aaitictl({"version", "--bogus"});
    CHECK(r.exit_code == 64);
    CHECK(contains(r.err, "--bogus"));
    CHECK(r.out.empty());
}

TEST_CASE("an unexpected argument exits 64", "[cli]") {
    const auto r = aaitictl({"version", "extra"});
    CHECK(r.exit_code == 64);
    CHECK(contains(r.err, "extra"));
}

TEST_CASE("no command exits 64 and prints the help to stderr", "[cli]") {
    SECTION("aaitictl") {
        const auto r = aaitictl({});
        CHECK(r.exit_code == 64);
        CHECK(r.out.empty());
        CHECK(contains(r.err, "missing command"));
        CHECK(contains(r.err, "version"));
        CHECK(contains(r.err, "config"));
    }
    SECTION("aaitictl config") {
        const auto r = aaitictl({"config"});
        CHECK(r.exit_code == 64);
        CHECK(r.out.empty());
        CHECK(contains(r.err, "show"));
        CHECK(contains(r.err, "check"));
    }
    SECTION("aaitictl db") {
        const auto r = aaitictl({"db"});
        CHECK(r.exit_code == 64);
        CHECK(r.out.empty());
        CHECK(contains(r.err, "status"));
    }
}

TEST_CASE("an unknown command exits 64", "[cli]") {
    const auto r = aaitictl({"frobnicate"});
    CHECK(r.exit_code == 64);
    CHECK(contains(r.err, "frobnicate"));
}

TEST_CASE("a bad -o value exits 64 naming the value", "[cli]") {
    const auto r = aaitictl({"-o", "yaml", "version"});
    CHECK(r.exit_code == 64);
    CHECK(contains(r.err, "yaml"));
    CHECK(r.out.empty());
}

TEST_CASE("a bad --log-level value exits 64", "[cli]") {
    const auto r = aaitictl({"--log-level", "loud", "version"});
    CHECK(r.exit_code == 64);
    CHECK(contains(r.err, "loud"));
}

TEST_CASE("aaitictl --help works on every command and exits 0", "[cli]") {
    for (const auto& args : {std::vector<std::string>{"--help"}, std::vector<std::string>{"version", "--help"},
                             std::vector<std::string>{"config", "--help"},
                             std::vector<std::string>{"config", "show", "--help"},
                             std::vector<std::string>{"config", "check", "-h"},
                             std::vector<std::string>{"db", "--help"},
                             std::vector<std::string>{"db", "status", "--help"},
                             std::vector<std::string>{"db", "promote", "--help"},
                             std::vector<std::string>{"up", "--help"},
                             std::vector<std::string>{"down", "--help"},
                             std::vector<std::string>{"ps", "--help"},
                             std::vector<std::string>{"logs", "--help"},
                             std::vector<std::string>{"restart", "--help"}}) {
        const auto r = aaitictl(args);
        INFO("args: " << json(args).dump());
        CHECK(r.exit_code == 0);
        CHECK(contains(r.out, "Usage"));
    }
}

TEST_CASE("aaitictl --help says what the tool does now: run the stack, its database, backups, health", "[cli]") {
    const auto r = aaitictl({"--help"});
    CHECK(r.exit_code == 0);
    CHECK_FALSE(contains(r.out, "(configuration, versions, migration)"));
    for (const char* what : {"natively", "Docker Compose", "health", "backup", "restore", "migrate"}) {
        INFO(what);
        CHECK(contains(r.out, what));
    }
}

TEST_CASE("config show with DB_PORT=abc exits 78 naming DB_PORT and the environment", "[cli]") {
    const auto r = aaitictl({"config", "show"}, {{"DB_PORT", "abc"}});
    CHECK(r.exit_code == 78);
    CHECK(contains(r.err, "aaitictl: "));
    CHECK(contains(r.err, "DB_PORT"));
    CHECK(contains(r.err, "environment"));
    CHECK(r.out.empty());
}

TEST_CASE("a malformed stack file exits 78 naming the file and line", "[cli]") {
    const TempDir dir("aaiti-cli-test");
    const std::string path = dir.write_file("broken.yaml", "database:\n  host: db\n  port: [6000\n");
    const auto r = aaitictl({"--config", path, "config", "show"}, dir);
    CHECK(r.exit_code == 78);
    INFO("stderr: " << r.err);
    CHECK(contains(r.err, path + ":"));
    // yaml-cpp reports the line where it gave up (the unclosed list runs to the end of the file).
    CHECK((contains(r.err, path + ":3:") || contains(r.err, path + ":4:")));
}

TEST_CASE("./aaiti.yaml is read when --config is not given", "[cli]") {
    const TempDir dir("aaiti-cli-test");
    dir.write_file("aaiti.yaml", "database:\n  host: db.internal\n");
    const auto r = aaitictl({"config", "show", "-o", "json"}, dir);
    REQUIRE(r.exit_code == 0);
    const json doc = parse_json(r.out);
    CHECK(doc.at("stack_file") == "aaiti.yaml");
    CHECK(entry_of(doc, "DB_HOST").at("value") == "db.internal");
    CHECK(entry_of(doc, "DB_HOST").at("origin") == "aaiti.yaml:2 (database.host)");
}

TEST_CASE("a bad value in the stack file exits 78 naming the key, file and line", "[cli]") {
    const TempDir dir("aaiti-cli-test");
    const std::string path = dir.write_file("stack.yaml", "database:\n  host: db\n  port: abc\n");
    const auto r = aaitictl({"--config", path, "config", "show"}, dir);
    CHECK(r.exit_code == 78);
    CHECK(contains(r.err, "DB_PORT"));
    CHECK(contains(r.err, "stack.yaml:3 (database.port)"));
}

// Decision (documented in aaitictl(1)): a --config path that does not exist is a configuration error,
// 78, like every other stack-file problem; the flag itself was well-formed.
TEST_CASE("a --config path that does not exist exits 78 naming the path", "[cli]") {
    const TempDir dir("aaiti-cli-test");
    const auto r = aaitictl({"--config", (dir / "missing.yaml").string(), "config", "show"}, dir);
    CHECK(r.exit_code == 78);
    CHECK(contains(r.err, "missing.yaml"));
}

TEST_CASE("config show -o json masks a secret from the environment everywhere", "[cli]") {
    const auto r = aaitictl({"config", "show", "-o", "json"}, {{"DB_PASSWORD", "hunter2"}});
    REQUIRE(r.exit_code == 0);
    CHECK_FALSE(contains(r.out, "hunter2"));
    CHECK_FALSE(contains(r.err, "hunter2"));
    const json doc = parse_json(r.out);
    const json e = entry_of(doc, "DB_PASSWORD");
    CHECK(e.at("value") == "****");
    CHECK(e.at("secret") == true);
    CHECK(e.at("source") == "environment");
    CHECK(e.at("origin") == "environment DB_PASSWORD");

    SECTION("and as a table") {
        const auto t = aaitictl({"config", "show"}, {{"DB_PASSWORD", "hunter2"}});
        REQUIRE(t.exit_code == 0);
        CHECK_FALSE(contains(t.out, "hunter2"));
        CHECK_FALSE(contains(t.err, "hunter2"));
        CHECK(contains(t.out, "****"));
    }
}

TEST_CASE("config show masks the password in WRITE_DB_URL", "[cli]") {
    const auto r = aaitictl({"config", "show", "-o", "json"}, {{"WRITE_DB_URL", "postgresql://u:pw@h/db"}});
    REQUIRE(r.exit_code == 0);
    CHECK_FALSE(contains(r.out, ":pw@"));
    CHECK(entry_of(parse_json(r.out), "WRITE_DB_URL").at("value") == "postgresql://u:****@h/db");
}

TEST_CASE("config show -o json has the documented shape", "[cli]") {
    const auto r = aaitictl({"config", "show", "-o", "json"});
    REQUIRE(r.exit_code == 0);
    const json doc = parse_json(r.out);
    CHECK(doc.at("stack_file").is_null());
    REQUIRE(doc.at("entries").is_array());
    for (const json& e : doc.at("entries")) {
        CHECK(e.at("key").is_string());
        CHECK((e.at("value").is_string() || e.at("value").is_null()));
        CHECK(e.at("source").is_string());
        CHECK(e.at("origin").is_string());
        CHECK(e.at("secret").is_boolean());
    }
    CHECK(entry_of(doc, "DB_PORT").at("value") == "5432");
    CHECK(entry_of(doc, "DB_PORT").at("source") == "default");
    CHECK(entry_of(doc, "JWT_SECRET").at("value").is_null());  // unset: no default, not given
}

TEST_CASE("configuration precedence is flag > environment > stack file > default", "[cli]") {
    const TempDir dir("aaiti-cli-test");
    const std::string stack =
        dir.write_file("aaiti.yaml", "database:\n  port: 6000\nlogging:\n  level: debug\n");

    SECTION("stack file over default") {
        const auto r = aaitictl({"--config", stack, "config", "show", "-o", "json"}, dir);
        REQUIRE(r.exit_code == 0);
        const json e = entry_of(parse_json(r.out), "DB_PORT");
        CHECK(e.at("value") == "6000");
        CHECK(e.at("source") == "stack_file");
        CHECK(e.at("origin") == "aaiti.yaml:2 (database.port)");
    }
    SECTION("environment over stack file") {
        const auto r = aaitictl({"--config", stack, "config", "show", "-o", "json"}, dir, {{"DB_PORT", "7000"}});
        REQUIRE(r.exit_code == 0);
        const json e = entry_of(parse_json(r.out), "DB_PORT");
        CHECK(e.at("value") == "7000");
        CHECK(e.at("source") == "environment");
    }
    SECTION("flag over environment over stack file, for LOG_LEVEL") {
        const auto from_stack = aaitictl({"--config", stack, "config", "show", "-o", "json"}, dir);
        REQUIRE(from_stack.exit_code == 0);
        CHECK(entry_of(parse_json(from_stack.out), "LOG_LEVEL").at("source") == "stack_file");

        const auto from_env = aaitictl({"--config", stack, "config", "show", "-o", "json"}, dir, {{"LOG_LEVEL", "warn"}});
        REQUIRE(from_env.exit_code == 0);
        CHECK(entry_of(parse_json(from_env.out), "LOG_LEVEL").at("value") == "warn");

        const auto from_flag = aaitictl({"--config", stack, "--log-level", "error", "config", "show", "-o", "json"}, dir,
                                        {{"LOG_LEVEL", "warn"}});
        REQUIRE(from_flag.exit_code == 0);
        const json e = entry_of(parse_json(from_flag.out), "LOG_LEVEL");
        CHECK(e.at("value") == "error");
        CHECK(e.at("source") == "flag");
        CHECK(e.at("origin") == "--log-level");
    }
}

TEST_CASE("DB_PASSWORD_FILE reads the password from a file without showing it", "[cli]") {
    const TempDir dir("aaiti-cli-test");
    const std::string secret_file = dir.write_file("db_password", "s3cr3t-from-file\n");
    const auto r = aaitictl({"config", "show", "-o", "json"}, dir, {{"DB_PASSWORD_FILE", secret_file}});
    REQUIRE(r.exit_code == 0);
    CHECK_FALSE(contains(r.out, "s3cr3t-from-file"));
    CHECK_FALSE(contains(r.err, "s3cr3t-from-file"));
    const json e = entry_of(parse_json(r.out), "DB_PASSWORD");
    CHECK(e.at("value") == "****");
    CHECK(e.at("source") == "environment");
    CHECK(contains(e.at("origin").get<std::string>(), "DB_PASSWORD_FILE"));

    SECTION("a missing file exits 78 naming DB_PASSWORD_FILE") {
        const auto missing = aaitictl({"config", "show"}, dir, {{"DB_PASSWORD_FILE", (dir / "nope").string()}});
        CHECK(missing.exit_code == 78);
        CHECK(contains(missing.err, "DB_PASSWORD_FILE"));
    }
}

TEST_CASE("config check exits 0 on a valid configuration and 78 on a bad one", "[cli]") {
    const auto ok = aaitictl({"config", "check"});
    CHECK(ok.exit_code == 0);
    CHECK(contains(ok.out, "valid"));

    const auto bad = aaitictl({"config", "check"}, {{"RATE_LIMIT_WINDOW", "soon"}});
    CHECK(bad.exit_code == 78);
    CHECK(contains(bad.err, "RATE_LIMIT_WINDOW"));
}

TEST_CASE("config check names every seed variable it ignores, and still exits 0", "[cli]") {
    const auto r = aaitictl({"config", "check"}, {{"PROMETHEUS_ENDPOINT", "http://prometheus:9090"}, {"PORT", "3000"}});
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, "valid"));
    CHECK(contains(r.err, "warning: PROMETHEUS_ENDPOINT is set but ignored: "));
    CHECK(contains(r.err, "warning: PORT is set but ignored: "));
    const auto j = aaitictl({"config", "check", "-o", "json"}, {{"PROMETHEUS_ENDPOINT", "http://prometheus:9090"}});
    REQUIRE(j.exit_code == 0);
    const json doc = parse_json(j.out);
    REQUIRE(doc.at("ignored_seed_variables").size() == 1);
    CHECK(doc.at("ignored_seed_variables")[0].at("variable") == "PROMETHEUS_ENDPOINT");
    CHECK_FALSE(doc.at("ignored_seed_variables")[0].at("reason").get<std::string>().empty());
    // NODE_ENV and SERVICE_VERSION mean something here: no warning, and config show lists them.
    const auto used = aaitictl({"config", "check"}, {{"NODE_ENV", "production"}, {"SERVICE_VERSION", "2.1.0"}});
    CHECK(used.exit_code == 0);
    CHECK_FALSE(contains(used.err, "ignored"));
    const json shown = parse_json(aaitictl({"config", "show", "-o", "json"}, {{"NODE_ENV", "production"}}).out);
    CHECK(entry_of(shown, "NODE_ENV").at("value") == "production");
}

TEST_CASE("config check refuses the seed's JAEGER_ENDPOINT (Jaeger's Thrift collector) and names the OTLP URL", "[cli]") {
    const auto r = aaitictl({"config", "check"}, {{"JAEGER_ENDPOINT", "http://jaeger:14268/api/traces"}});
    CHECK(r.exit_code == 78);
    CHECK(contains(r.err, "JAEGER_ENDPOINT"));
    CHECK(contains(r.err, "Thrift"));
    CHECK(contains(r.err, "http://jaeger:4318/v1/traces"));
    CHECK(aaitictl({"config", "check"}, {{"JAEGER_ENDPOINT", "http://jaeger:4318/v1/traces"}}).exit_code == 0);
}

TEST_CASE("config show says what JWT_EXPIRES_IN and JWT_ACCESS_EXPIRES_IN each mean, and RATE_LIMIT_WINDOW's unit", "[cli]") {
    const auto r = aaitictl({"config", "show"}, {{"JWT_EXPIRES_IN", "7d"}, {"RATE_LIMIT_WINDOW", "900000"}});
    REQUIRE(r.exit_code == 0);
    CHECK(contains(r.out, "JWT_EXPIRES_IN = 7d: refresh-token (session) lifetime"));
    CHECK(contains(r.out, "JWT_ACCESS_EXPIRES_IN = 15m: access-token lifetime"));
    CHECK(contains(r.out, "RATE_LIMIT_WINDOW = 900000: rate-limit window (a bare number is milliseconds"));
    const json doc = parse_json(aaitictl({"config", "show", "-o", "json"}).out);
    CHECK(contains(entry_of(doc, "JWT_EXPIRES_IN").at("description").get<std::string>(), "refresh-token"));
    CHECK(contains(entry_of(doc, "JWT_ACCESS_EXPIRES_IN").at("description").get<std::string>(), "access-token"));
}

TEST_CASE("a bad LOG_LEVEL in the environment is a configuration error, not a usage error", "[cli]") {
    const auto r = aaitictl({"config", "show"}, {{"LOG_LEVEL", "loud"}});
    CHECK(r.exit_code == 78);
    CHECK(contains(r.err, "LOG_LEVEL"));
}

TEST_CASE("log lines are JSON objects on stderr with --log-format json, and stdout stays pure data", "[cli]") {
    const auto r = aaitictl({"--log-level", "debug", "--log-format", "json", "config", "show", "-o", "json"});
    REQUIRE(r.exit_code == 0);
    parse_json(r.out);
    REQUIRE_FALSE(r.err.empty());
    std::istringstream lines(r.err);
    for (std::string line; std::getline(lines, line);) {
        const json record = parse_json(line);
        CHECK(record.contains("level"));
        CHECK(record.contains("msg"));
        CHECK(record.contains("ts"));
    }
}

TEST_CASE("colour only on a terminal, and never with NO_COLOR or --no-color", "[cli]") {
    const TempDir dir("aaiti-cli-test");
    ProcessOptions on_terminal = clean_options(dir);
    on_terminal.stdout_is_terminal = true;

    SECTION("a terminal gets colour") {
        const auto r = run_aaitictl({"config", "show"}, on_terminal);
        REQUIRE(r.exit_code == 0);
        CHECK(contains(r.out, "\x1b["));
    }
    SECTION("NO_COLOR removes it") {
        on_terminal.env.emplace_back("NO_COLOR", "1");
        const auto r = run_aaitictl({"config", "show"}, on_terminal);
        REQUIRE(r.exit_code == 0);
        CHECK(contains(r.out, "DB_PORT"));
        CHECK_FALSE(contains(r.out, "\x1b"));
        CHECK_FALSE(contains(r.err, "\x1b"));
    }
    SECTION("--no-color removes it") {
        const auto r = run_aaitictl({"--no-color", "config", "show"}, on_terminal);
        REQUIRE(r.exit_code == 0);
        CHECK(contains(r.out, "DB_PORT"));
        CHECK_FALSE(contains(r.out, "\x1b"));
    }
    SECTION("a pipe gets none") {
        const auto r = aaitictl({"config", "show"}, dir);
        REQUIRE(r.exit_code == 0);
        CHECK_FALSE(contains(r.out, "\x1b"));
    }
}

TEST_CASE("a failed write to stdout exits 74", "[cli]") {
    const TempDir dir("aaiti-cli-test");
    ProcessOptions options = clean_options(dir);
    options.stdout_path = "/dev/full";
    const auto r = run_aaitictl({"version"}, options);
    CHECK(r.exit_code == 74);
    CHECK(contains(r.err, "standard output"));
}

TEST_CASE("every man page passes mandoc -T lint -W warning", "[cli]") {
    const std::string man_dir = aaiti::test::source_path("man");
    const TempDir dir("aaiti-cli-test");
    for (const char* page : {"aaitictl.1", "aaitictl-version.1", "aaitictl-config.1", "aaitictl-db.1", "aaitictl-up.1",
                             "aaitictl-down.1", "aaitictl-ps.1", "aaitictl-logs.1", "aaitictl-restart.1"}) {
        const auto r = aaiti::test::run_process({"/usr/bin/mandoc", "-T", "lint", "-W", "warning", man_dir + "/" + page},
                                                clean_options(dir));
        INFO(page << ": " << r.out << r.err);
        CHECK(r.exit_code == 0);
    }
}

TEST_CASE("aaitictl(1) documents every configuration key with its stack-file path", "[cli]") {
    std::ifstream in(aaiti::test::source_path("man/aaitictl.1"));
    REQUIRE(in);
    std::stringstream page;
    page << in.rdbuf();
    for (const aaiti::ConfigKey& key : aaiti::known_config_keys()) {
        INFO(key.name);
        CHECK(contains(page.str(), ".B " + std::string(key.name) + "\n"));
        CHECK(contains(page.str(), std::string(key.stack_path)));
    }
}
