// `aaitictl migrate` run as a user would: exit codes for every bad input, masked secrets, JSON on stdout
// and in --report, defaults from SQLITE_DB_PATH / WRITE_DB_URL. Tests needing PostgreSQL are [pg].
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <unistd.h>
#include <vector>

#include "tests/migrate/fixtures.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_servers.h"

using Catch::Matchers::Contains;

namespace aaiti::test {
namespace {

namespace mf = migrate_fixtures;

// The environment of whoever runs the tests must not choose the source or target.
ProcessOptions clean_env(std::vector<std::pair<std::string, std::string>> env = {}) {
    ProcessOptions o;
    o.unset_env = {"SQLITE_DB_PATH", "WRITE_DB_URL", "READ_DB_URL", "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD",
                   "LOG_LEVEL", "LOG_FORMAT"};
    o.env = std::move(env);
    o.timeout = std::chrono::milliseconds(120000);
    return o;
}

ProcessResult migrate(std::vector<std::string> args, const ProcessOptions& options = clean_env()) {
    args.insert(args.begin(), {binary_path("aaitictl"), "migrate"});
    return run_process(args, options);
}

TEST_CASE("migrate: a missing source file exits 65 and says how to name one") {
    TempDir dir("migrate-cli-missing");
    const auto r = migrate({"--source", (dir / "nope.sqlite").string(), "--plan"});
    CHECK(r.exit_code == 65);
    CHECK_THAT(r.err, Contains("does not exist") && Contains("--source"));
    CHECK(r.out.empty());
}

TEST_CASE("migrate: a file that is not SQLite exits 65") {
    TempDir dir("migrate-cli-notdb");
    write_text_file(dir / "notes.txt", "hello, I am not a database\n");
    const auto r = migrate({"--source", (dir / "notes.txt").string(), "--plan"});
    CHECK(r.exit_code == 65);
    CHECK_THAT(r.err, Contains("is not a SQLite database"));
}

TEST_CASE("migrate: a corrupt SQLite file exits 65 before anything is written") {
    TempDir dir("migrate-cli-corrupt");
    const std::string path = mf::copy_chinook(dir.path());
    {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(4096 * 5);
        const std::string garbage(4096 * 20, '\xab');
        f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    }
    const auto r = migrate({"--source", path, "--plan"});
    CHECK(r.exit_code == 65);
    CHECK_THAT(r.err, Contains("corrupt"));
}

TEST_CASE("migrate: an unreachable server exits 69 with the password masked, before reading the source") {
    TempDir dir("migrate-cli-unreachable");
    const auto r = migrate({"--source", mf::copy_chinook(dir.path()), "--target", "postgresql://app:s3cret@127.0.0.1:1/x"});
    CHECK(r.exit_code == 69);
    CHECK_THAT(r.err, Contains("postgresql://app:****@127.0.0.1:1/x"));
    CHECK_THAT(r.err, !Contains("s3cret"));
}

TEST_CASE("migrate: bad flag values exit 64") {
    TempDir dir("migrate-cli-usage");
    const std::string source = mf::copy_chinook(dir.path());
    CHECK(migrate({"--source", source, "--keys", "serial", "--plan"}).exit_code == 64);
    CHECK(migrate({"--source", source, "--on-orphan", "ignore", "--plan"}).exit_code == 64);
    CHECK(migrate({"--source", source, "-j", "0", "--plan"}).exit_code == 64);
    const auto legacy = migrate({"--source", source, "--keys", "keep", "--keep-legacy-ids", "--plan"});
    CHECK(legacy.exit_code == 64);
    CHECK_THAT(legacy.err, Contains("--keep-legacy-ids"));
}

TEST_CASE("migrate: an unwritable --report path exits 74 before anything runs") {
    TempDir dir("migrate-cli-report");
    const auto r = migrate({"--source", mf::copy_chinook(dir.path()), "--plan", "--report", (dir / "no/such/dir/r.json").string()});
    CHECK(r.exit_code == 74);
    CHECK_THAT(r.err, Contains("cannot write the report"));
}

TEST_CASE("migrate --plan needs no server and prints every table and column decision") {
    TempDir dir("migrate-cli-plan");
    const std::string source = mf::build_hostile(dir.path());
    const auto table = migrate({"--source", source, "--plan"});
    REQUIRE(table.exit_code == 0);
    CHECK_THAT(table.out, Contains("plan (nothing written)") && Contains("Order Line") && Contains("bigint") &&
                              Contains("'N/A'") && Contains("view big_orders"));

    const auto json_run = migrate({"--source", source, "--plan", "-o", "json"});
    REQUIRE(json_run.exit_code == 0);
    const auto doc = nlohmann::json::parse(json_run.out);
    CHECK(doc["plan_only"] == true);
    CHECK(doc["totals"]["tables"] == 8);
    CHECK(doc["target"] == "");
}

TEST_CASE("migrate --plan lists generated columns with the expression PostgreSQL will be asked to accept") {
    TempDir dir("migrate-cli-generated");
    const std::string source = (dir / "generated.sqlite").string();
    const auto created = run_process({"sqlite3", source,
                                      "CREATE TABLE line (id INTEGER PRIMARY KEY, qty INTEGER, price REAL,"
                                      " total REAL GENERATED ALWAYS AS (qty * price) STORED,"
                                      " label TEXT GENERATED ALWAYS AS ('#' || id) VIRTUAL);"
                                      "INSERT INTO line (qty, price) VALUES (2, 1.5);"});
    REQUIRE(created.exit_code == 0);
    const auto r = migrate({"--source", source, "--plan", "-o", "json"});
    REQUIRE(r.exit_code == 0);
    const auto doc = nlohmann::json::parse(r.out);
    const std::string columns = doc["tables"][0]["columns"].dump();
    CHECK_THAT(columns, Contains("generated (STORED in SQLite): GENERATED ALWAYS AS (\\\"qty\\\" * \\\"price\\\") STORED") &&
                            Contains("generated (VIRTUAL in SQLite)"));
}

TEST_CASE("migrate: SQLITE_DB_PATH and WRITE_DB_URL are the defaults; --report writes the JSON too", "[pg]") {
    TempDir dir("migrate-cli-defaults");
    TestDatabase db("migrate_cli_defaults");
    const std::string report = (dir / "report.json").string();
    const auto r = migrate({"--verify", "--report", report, "-j", "2"},
                           clean_env({{"SQLITE_DB_PATH", mf::copy_chinook(dir.path())}, {"WRITE_DB_URL", db.url()}}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Contains("verify: ok") && Contains("PlaylistTrack") && Contains("15607"));
    const auto doc = nlohmann::json::parse(read_text_file(report));
    CHECK(doc["verify"]["ok"] == true);
    CHECK(doc["totals"]["rows_written"] == 15607);
    CHECK(query_scalar(db.url(), "SELECT count(*) FROM \"Track\"") == "3503");
}

TEST_CASE("migrate: the JSON report says which options produced it", "[pg]") {
    TempDir dir("migrate-cli-options");
    TestDatabase db("migrate_cli_options");
    const std::string source = mf::build_hostile(dir.path());
    const auto r = migrate({"--source", source, "--target", db.url(), "--keys", "keep", "--on-bad-value", "null", "--on-orphan",
                            "keep", "--if-exists", "drop", "--batch-rows", "7", "-j", "3", "--verify", "-o", "json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto doc = nlohmann::json::parse(r.out);
    const auto expected = nlohmann::json::parse(R"({"keys": "keep", "keep_legacy_ids": false, "on_bad_value": "null",
        "on_orphan": "keep", "if_exists": "drop", "verify": true, "resume": false, "incremental": false, "finish": false,
        "batch_rows": 7, "jobs": 3})");
    CHECK(doc["options"] == expected);
    CHECK(doc["plan_only"] == false);

    // The defaults, as the man page states them; --plan says it wrote nothing.
    const auto plan = migrate({"--source", source, "--plan", "--keep-legacy-ids", "-o", "json"});
    REQUIRE(plan.exit_code == 0);
    const auto p = nlohmann::json::parse(plan.out);
    CHECK(p["options"]["keys"] == "uuid");
    CHECK(p["options"]["keep_legacy_ids"] == true);
    CHECK(p["options"]["on_bad_value"] == "text");
    CHECK(p["options"]["on_orphan"] == "null");
    CHECK(p["options"]["if_exists"] == "fail");
    CHECK(p["options"]["batch_rows"] == 50000);
    CHECK(p["plan_only"] == true);
}

TEST_CASE("migrate: a role that may not create the tables exits 1 naming schema, table and privilege; nothing is written", "[pg]") {
    TempDir dir("migrate-cli-noperm");
    TestDatabase db("migrate_cli_noperm");
    const std::string source = mf::copy_chinook(dir.path());
    // Roles are cluster-wide: one per test database, dropped at the end. The harness trusts local logins.
    const std::string role = "noperm_" + db.name();
    exec_sql(db.url(), "CREATE ROLE \"" + role + "\" LOGIN; CREATE SCHEMA private");
    struct DropRole {
        std::string url, role;
        ~DropRole() { exec_sql(url, "DROP ROLE IF EXISTS \"" + role + "\""); }
    } drop{db.url(), role};
    std::string url = db.url();
    url.replace(url.find("postgres@"), 8, role);

    // PostgreSQL 15: only the owner may create in "public".
    const auto in_public = migrate({"--source", source, "--target", url});
    CHECK(in_public.exit_code == 1);
    CHECK_THAT(in_public.err, Contains("role \"" + role + "\" may not create table \"Album\" (and the others) in schema \"public\"") &&
                                  Contains("lacks the CREATE privilege") && Contains("nothing was written") &&
                                  Contains("GRANT CREATE ON SCHEMA \"public\""));
    CHECK(in_public.out.empty());  // no report: nothing was migrated
    const auto in_private = migrate({"--source", source, "--target", url, "--schema", "private"});
    CHECK(in_private.exit_code == 1);
    CHECK_THAT(in_private.err, Contains("schema \"private\"") && Contains("CREATE and USAGE privileges"));
    const auto new_schema = migrate({"--source", source, "--target", url, "--schema", "fresh"});
    CHECK(new_schema.exit_code == 1);
    CHECK_THAT(new_schema.err, Contains("may not create schema \"fresh\"") && Contains("CREATE privilege on database"));
    CHECK(query_scalar(db.url(), "SELECT count(*) FROM pg_tables WHERE schemaname IN ('public', 'private', 'fresh')") == "0");
    CHECK(query_scalar(db.url(), "SELECT count(*) FROM pg_namespace WHERE nspname = 'fresh'") == "0");
}

TEST_CASE("migrate: a source the user may not read exits 74", "[pg]") {
    // Root reads any file, and the tests run as root here: the CLI then runs as the harness's unprivileged
    // PostgreSQL user (tests/support/test_servers.sh creates it), otherwise as whoever runs the tests.
    TempDir dir("migrate-cli-unreadable");
    const std::string source = mf::copy_chinook(dir.path());
    std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all | std::filesystem::perms::group_exec |
                                                 std::filesystem::perms::others_exec);
    std::filesystem::permissions(source, std::filesystem::perms::none);
    std::vector<std::string> args = {binary_path("aaitictl"), "migrate", "--source", source, "--plan"};
    if (::geteuid() == 0) args.insert(args.begin(), {"runuser", "-u", "aaiti-pgtest", "--"});
    const auto r = run_process(args, clean_env());
    CHECK(r.exit_code == 74);
    CHECK_THAT(r.err, Contains("is not readable") && Contains(source));
}

TEST_CASE("migrate: a non-empty target table without --if-exists exits 65 and writes nothing", "[pg]") {
    TempDir dir("migrate-cli-exists");
    TestDatabase db("migrate_cli_exists");
    const std::string source = mf::copy_chinook(dir.path());
    exec_sql(db.url(), "CREATE TABLE \"Artist\" (x int); INSERT INTO \"Artist\" VALUES (1)");
    const auto r = migrate({"--source", source, "--target", db.url()});
    CHECK(r.exit_code == 65);
    CHECK_THAT(r.err, Contains("\"Artist\" (not empty)") && Contains("--if-exists"));
    CHECK(query_scalar(db.url(), "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == "1");
}

TEST_CASE("migrate: orphans under --on-orphan fail exit 1; -o json reports orphans otherwise", "[pg]") {
    TempDir dir("migrate-cli-orphans");
    TestDatabase failing("migrate_cli_orphan_fail"), nulling("migrate_cli_orphan_null");
    const std::string source = mf::build_hostile(dir.path());
    const auto failed = migrate({"--source", source, "--target", failing.url(), "--on-orphan", "fail"});
    CHECK(failed.exit_code == 1);
    CHECK_THAT(failed.err, Contains("no parent") && Contains("nothing was written"));

    const auto ok = migrate({"--source", source, "--target", nulling.url(), "--verify", "-o", "json", "--rejects",
                             (dir / "rejects.jsonl").string()});
    INFO(ok.err);
    REQUIRE(ok.exit_code == 0);
    const auto doc = nlohmann::json::parse(ok.out);
    CHECK(doc["totals"]["orphans"] == 3);
    CHECK(doc["rejects"]["records"] == 3);
    CHECK(doc["verify"]["ok"] == true);
}

}  // namespace
}  // namespace aaiti::test
