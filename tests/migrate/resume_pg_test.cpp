// --resume ([pg]): `aaitictl migrate` killed (SIGKILL) or cut off from PostgreSQL (its backends
// terminated) after some batches committed, then resumed: the target ends exactly as after an
// uninterrupted run (rows, UUIDs, constraints, indexes) and --verify passes. A partial target without
// --resume, and --resume with other options or another source, are refused with what to do.
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <csignal>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "migrate/migrate.h"
#include "tests/migrate/fixtures.h"
#include "tests/migrate/own_postgres.h"
#include "tests/migrate/target_snapshot.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_servers.h"

using Catch::Matchers::Contains;

namespace aaiti::test {
namespace {

namespace mf = migrate_fixtures;

ProcessOptions clean_env() {
    ProcessOptions o;
    o.unset_env = {"SQLITE_DB_PATH", "WRITE_DB_URL", "READ_DB_URL", "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD",
                   "LOG_LEVEL", "LOG_FORMAT"};
    o.timeout = std::chrono::milliseconds(180000);
    return o;
}

std::vector<std::string> migrate_args(const std::string& source, const std::string& url, std::vector<std::string> extra) {
    std::vector<std::string> args{binary_path("aaitictl"), "migrate", "--source", source, "--target", url, "-j", "2", "--batch-rows", "2000"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

// Batches committed so far (0 while the state table does not exist yet).
int committed_batches(const std::string& url) {
    try {
        return std::stoi(query_scalar(url, "SELECT count(*) FROM aaiti_migrate_state WHERE kind = 'table' AND phase <> 'pending'"));
    } catch (const std::runtime_error&) {
        return 0;
    }
}

// Starts the migration and returns once at least one batch committed (the run is then partial).
std::unique_ptr<ChildProcess> start_until_first_batch(const std::string& source, const std::string& url) {
    auto child = std::make_unique<ChildProcess>(migrate_args(source, url, {}), clean_env());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (committed_batches(url) == 0 && std::chrono::steady_clock::now() < deadline && child->running())
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return child;
}

void require_same_target(const std::string& expected_url, const std::string& actual_url) {
    const TargetSnapshot expected = snapshot_target(expected_url), actual = snapshot_target(actual_url);
    REQUIRE(expected.tables.size() == 4);
    for (const auto& [table, digest] : expected.tables) {
        INFO("table " << table);
        CHECK(actual.tables.count(table) == 1);
        if (actual.tables.count(table)) CHECK(actual.tables.at(table) == digest);
    }
    CHECK(actual.tables.size() == expected.tables.size());
    CHECK(actual.constraints == expected.constraints);
    CHECK(actual.indexes == expected.indexes);
}

void uninterrupted_run(const std::string& source, const TestDatabase& db) {
    migrate::MigrateOptions o;
    o.source_path = source;
    o.target_url = db.url();
    o.jobs = 2;
    const auto r = migrate::run_migration(o);
    REQUIRE(r.tables.size() == 4);
}

TEST_CASE("migrate killed with SIGKILL after a committed batch: --resume ends exactly like an uninterrupted run", "[pg]") {
    TempDir dir("migrate-resume-kill");
    const std::string source = mf::build_big(dir.path());
    TestDatabase expected("resume_expected"), db("resume_kill");
    uninterrupted_run(source, expected);

    auto child = start_until_first_batch(source, db.url());
    child->signal(SIGKILL);
    const auto killed = child->wait(std::chrono::milliseconds(10000));
    REQUIRE(killed);
    REQUIRE(killed->term_signal == SIGKILL);
    // Killed mid-run: the state says so.
    REQUIRE(query_scalar(db.url(), "SELECT phase FROM aaiti_migrate_state WHERE kind = 'run'") == "loading");

    // Without --resume a partial target is refused, naming --resume and --if-exists drop.
    const auto plain = run_process(migrate_args(source, db.url(), {}), clean_env());
    CHECK(plain.exit_code == 65);
    CHECK_THAT(plain.err, Contains("partial migration") && Contains("--resume") && Contains("--if-exists drop"));
    // --resume with other options is refused (78), naming the option.
    const auto other = run_process(migrate_args(source, db.url(), {"--resume", "--keys", "keep"}), clean_env());
    CHECK(other.exit_code == 78);
    CHECK_THAT(other.err, Contains("--keys uuid (now keep)"));
    // --resume with --if-exists drop is a usage error.
    CHECK(run_process(migrate_args(source, db.url(), {"--resume", "--if-exists", "drop"}), clean_env()).exit_code == 64);

    const auto resumed = run_process(migrate_args(source, db.url(), {"--resume", "--verify", "-o", "json"}), clean_env());
    INFO(resumed.err);
    REQUIRE(resumed.exit_code == 0);
    require_same_target(expected.url(), db.url());
    // A completed plain run leaves no state behind.
    CHECK(query_scalar(db.url(), "SELECT count(*) FROM pg_class WHERE relname = 'aaiti_migrate_state'") == "0");
}

TEST_CASE("migrate cut off from PostgreSQL mid-run (backends terminated): --resume ends like an uninterrupted run", "[pg]") {
    TempDir dir("migrate-resume-terminate");
    const std::string source = mf::build_big(dir.path());
    TestDatabase expected("resume_expected"), db("resume_terminated");
    uninterrupted_run(source, expected);

    auto child = start_until_first_batch(source, db.url());
    query_scalar(db.url(), "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND application_name = 'aaitictl-migrate'");
    const auto cut = child->wait(std::chrono::milliseconds(60000));
    REQUIRE(cut);
    CHECK(cut->exit_code == 69);
    CHECK_THAT(cut->err, Contains("lost the connection"));

    const auto resumed = run_process(migrate_args(source, db.url(), {"--resume", "--verify"}), clean_env());
    INFO(resumed.err);
    REQUIRE(resumed.exit_code == 0);
    CHECK_THAT(resumed.out, Contains("verify: ok"));
    require_same_target(expected.url(), db.url());
}

TEST_CASE("PostgreSQL restarted (pg_ctl restart -m fast) mid-run: migrate exits 69, --resume ends like an uninterrupted run", "[pg]") {
    TempDir dir("migrate-resume-restart");
    const std::string source = mf::build_big(dir.path());
    TestDatabase expected("resume_expected");
    uninterrupted_run(source, expected);

    // Its own server: the shared one must not restart under the other tests.
    OwnPostgres server("restart");
    exec_sql(server.url("postgres"), "CREATE DATABASE target");
    const std::string url = server.url("target");

    auto child = start_until_first_batch(source, url);
    REQUIRE(committed_batches(url) > 0);
    REQUIRE(child->running());  // mid-run: some batches committed, others not
    server.restart();
    const auto cut = child->wait(std::chrono::milliseconds(60000));
    REQUIRE(cut);
    INFO(cut->err);
    // Cleanly: the server's going away is a lost service (69) with a message, not a crash or a hang.
    CHECK(cut->exit_code == 69);
    CHECK(cut->term_signal == 0);
    CHECK_THAT(cut->err, Contains("PostgreSQL"));
    CHECK(query_scalar(url, "SELECT phase FROM aaiti_migrate_state WHERE kind = 'run'") == "loading");

    const auto resumed = run_process(migrate_args(source, url, {"--resume", "--verify"}), clean_env());
    INFO(resumed.err);
    REQUIRE(resumed.exit_code == 0);
    CHECK_THAT(resumed.out, Contains("verify: ok"));
    require_same_target(expected.url(), url);
    CHECK(query_scalar(url, "SELECT count(*) FROM pg_class WHERE relname = 'aaiti_migrate_state'") == "0");
}

TEST_CASE("migrate --resume refuses a source that changed since the run started (65) and an empty target", "[pg]") {
    TempDir dir("migrate-resume-source");
    const std::string source = mf::build_big(dir.path());
    TestDatabase db("resume_source");

    SECTION("nothing to resume") {
        const auto r = run_process(migrate_args(source, db.url(), {"--resume"}), clean_env());
        CHECK(r.exit_code == 65);
        CHECK_THAT(r.err, Contains("nothing to resume"));
    }
    SECTION("the source changed") {
        auto child = start_until_first_batch(source, db.url());
        child->signal(SIGKILL);
        REQUIRE(child->wait(std::chrono::milliseconds(10000)));
        {
            SQLite::Database w(source, SQLite::OPEN_READWRITE);
            w.exec("CREATE TABLE extra (x INTEGER)");
        }
        const auto r = run_process(migrate_args(source, db.url(), {"--resume"}), clean_env());
        CHECK(r.exit_code == 65);
        CHECK_THAT(r.err, Contains("not the one the run") && Contains("table definitions"));
    }
}

}  // namespace
}  // namespace aaiti::test
