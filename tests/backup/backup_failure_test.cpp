// What a failed backup leaves behind: never anything marked complete.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/mount.h>

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/backup/backup_fixture.h"
#include "tests/support/network.h"
#include "tests/support/test_servers.h"

using Catch::Matchers::Contains;

namespace aaiti::test {
namespace {

using namespace backup_fixture;
namespace fs = std::filesystem;

nlohmann::json listed(const Workspace& ws) {
    return nlohmann::json::parse(aaitictl({"backup", "list", "--repo", ws.repo, "-o", "json"}).out)["backups"];
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return condition();
}

TEST_CASE("backup: a run killed mid-way is listed incomplete, skipped by --latest; a concurrent run is refused",
          "[e2e][backup]") {
    Workspace ws;
    TestDatabase db("bk_killed");
    seed_trading_tables(db.url(), 10, 100);
    const auto first = aaitictl({"backup", "create", "--db", db.url(), "--repo", ws.repo, "--key-file", ws.key_file, "-o", "json"});
    REQUIRE(first.exit_code == 0);

    // Another session holds an exclusive lock on trades, so pg_dump (and the row count) wait on it
    // with the backup directory already created: a deterministic "mid-way".
    ChildProcess locker({"psql", db.url(), "-c", "BEGIN; LOCK TABLE trades IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60);"});
    REQUIRE(wait_until([&] {
        return query_scalar(db.url(), "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                                      "WHERE c.relname = 'trades' AND l.mode = 'AccessExclusiveLock' AND l.granted") == "1";
    }, std::chrono::seconds(20)));

    ChildProcess backup({binary_path("aaitictl"), "backup", "create", "--db", db.url(), "--repo", ws.repo, "--key-file",
                         ws.key_file});
    REQUIRE(wait_until([&] { return listed(ws).size() == 2; }, std::chrono::seconds(20)));
    CHECK(listed(ws)[1]["state"] == "running");

    const auto concurrent = aaitictl({"backup", "create", "--db", db.url(), "--repo", ws.repo, "--key-file", ws.key_file});
    CHECK(concurrent.exit_code == 1);
    CHECK_THAT(concurrent.err, Contains("another backup or prune is running"));

    backup.signal(SIGKILL);
    REQUIRE(backup.wait(std::chrono::seconds(10)));
    exec_sql(test_servers().pg_url("postgres"),
             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db.name() + "' AND pid <> pg_backend_pid()");

    const auto entries = listed(ws);
    REQUIRE(entries.size() == 2);
    CHECK(entries[0]["state"] == "complete");
    CHECK(entries[1]["state"] == "incomplete");

    TestDatabase target("bk_killed_target");
    const auto restored = aaitictl({"restore", "--latest", "--db", target.url(), "--repo", ws.repo, "--key-file", ws.key_file});
    INFO(restored.err);
    CHECK(restored.exit_code == 0);
    CHECK_THAT(restored.out, Contains(created_id(first)));
    const auto by_id = aaitictl({"restore", entries[1]["id"].get<std::string>(), "--db", target.url(), "--repo", ws.repo,
                                 "--key-file", ws.key_file});
    CHECK(by_id.exit_code == 1);
    CHECK_THAT(by_id.err, Contains("incomplete"));

    // prune removes the incomplete one, keeps the complete one.
    CHECK(aaitictl({"backup", "prune", "--repo", ws.repo, "--keep-last", "5"}).exit_code == 0);
    CHECK(listed(ws).size() == 1);
}

TEST_CASE("backup: a full disk fails with exit 74 and leaves nothing behind", "[e2e][backup]") {
    Workspace ws;
    const fs::path small = ws.dir / "small";
    fs::create_directories(small);
    // CI runs as root; a tmpfs of 256 KiB is the full disk.
    REQUIRE(::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=256k") == 0);
    struct Unmount {
        fs::path path;
        ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
    } unmount{small};

    TestDatabase db("bk_full");
    seed_trading_tables(db.url(), 1000, 60000);
    const std::string repo = (small / "repo").string();
    const auto r = aaitictl({"backup", "create", "--db", db.url(), "--repo", repo, "--key-file", ws.key_file});
    CHECK(r.exit_code == 74);
    CHECK_THAT(r.err, Contains("No space left on device"));
    const auto list = aaitictl({"backup", "list", "--repo", repo, "-o", "json"});
    CHECK(nlohmann::json::parse(list.out)["backups"].empty());
}

TEST_CASE("backup: a failing pg_dump is reported with its message and records nothing", "[e2e][backup]") {
    Workspace ws;
    TestDatabase db("bk_dumpfail");
    const auto bindir = ws.dir / "fakebin";
    ws.dir.write_file("fakebin/pg_dump", "#!/bin/sh\necho 'partial output'\necho 'pg_dump: error: simulated failure' >&2\nexit 1\n");
    fs::permissions(bindir / "pg_dump", fs::perms::owner_all);
    const auto r = aaitictl({"backup", "create", "--db", db.url(), "--repo", ws.repo, "--key-file", ws.key_file,
                             "--pg-bindir", bindir.string()});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Contains("pg_dump failed") && Contains("simulated failure") && Contains("no backup was recorded"));
    CHECK(listed(ws).empty());
}

TEST_CASE("backup: an unreachable server exits 69; a missing repository for list exits 74", "[e2e][backup]") {
    Workspace ws;
    const auto port = std::to_string(free_loopback_port());
    const auto r = aaitictl({"backup", "create", "--db", "postgresql://u:secretpw@127.0.0.1:" + port + "/x", "--repo", ws.repo,
                             "--key-file", ws.key_file});
    CHECK(r.exit_code == 69);
    CHECK_THAT(r.err, !Contains("secretpw"));
    const auto missing = aaitictl({"backup", "list", "--repo", (ws.dir / "nope").string()});
    CHECK(missing.exit_code == 74);
    CHECK_THAT(missing.err, Contains("does not exist"));
}

}  // namespace
}  // namespace aaiti::test
