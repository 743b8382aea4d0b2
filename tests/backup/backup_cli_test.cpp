// `aaitictl backup` and `restore` as a user runs them, against the fixture's PostgreSQL.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/backup/backup_fixture.h"
#include "tests/support/test_servers.h"

using Catch::Matchers::Contains;

namespace aaiti::test {
namespace {

using namespace backup_fixture;
namespace fs = std::filesystem;

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

std::string data_file_of(const Workspace& ws, const std::string& id) {
    for (const auto& item : fs::directory_iterator(fs::path(ws.repo) / id))
        if (item.path().filename().string().rfind("dump", 0) == 0) return item.path().string();
    throw std::runtime_error("no data file in backup " + id);
}

TEST_CASE("backup: the Chinook database migrated into PostgreSQL round-trips with every row equal", "[e2e][backup]") {
    Workspace ws;
    TestDatabase source("bk_chinook");
    const fs::path chinook = fs::path(std::getenv("AAITI_SOURCE_DIR")) / ".." / "shared" / "datasets" / "chinook.sqlite";
    const auto sqlite_copy = ws.dir / "chinook.sqlite";
    fs::copy_file(chinook, sqlite_copy);
    const auto migrated = aaitictl({"migrate", "--source", sqlite_copy.string(), "--target", source.url(), "--no-progress"});
    REQUIRE(migrated.exit_code == 0);

    const auto created = aaitictl(with({"backup", "create", "--db", source.url(), "-o", "json", "--label", "chinook"}, ws.repo_and_key()));
    INFO(created.err);
    REQUIRE(created.exit_code == 0);
    const auto manifest = nlohmann::json::parse(created.out);
    CHECK(manifest["encrypted"] == true);
    CHECK(manifest["tables"].size() == 11);
    CHECK(manifest["stored_bytes"].get<std::int64_t>() < manifest["raw_bytes"].get<std::int64_t>());

    TestDatabase target("bk_chinook_restored");
    const auto restored = aaitictl(with({"restore", "--latest", "--db", target.url()}, ws.repo_and_key()));
    INFO(restored.err);
    REQUIRE(restored.exit_code == 0);
    CHECK_THAT(restored.out, Contains("restored backup " + manifest["id"].get<std::string>()));
    const auto expected = table_fingerprints(source.url());
    CHECK(expected.size() == 11);
    CHECK(table_fingerprints(target.url()) == expected);

    const auto verified = aaitictl(with({"backup", "verify", "--restore-test", "--db", source.url()}, ws.repo_and_key()));
    INFO(verified.out << verified.err);
    CHECK(verified.exit_code == 0);
    CHECK_THAT(verified.out, Contains("ok (restore tested)"));
}

TEST_CASE("backup: list shows complete backups with sizes, as a table and as JSON", "[e2e][backup]") {
    Workspace ws;
    TestDatabase db("bk_list");
    seed_trading_tables(db.url(), 50, 100);
    REQUIRE(aaitictl(with({"backup", "create", "--db", db.url(), "--label", "nightly"}, ws.repo_and_key())).exit_code == 0);
    const auto table = aaitictl({"backup", "list", "--repo", ws.repo});
    CHECK(table.exit_code == 0);
    CHECK_THAT(table.out, Contains("complete") && Contains("nightly") && Contains(db.name()));
    const auto json = nlohmann::json::parse(aaitictl({"backup", "list", "--repo", ws.repo, "-o", "json"}).out);
    REQUIRE(json["backups"].size() == 1);
    CHECK(json["backups"][0]["state"] == "complete");
    CHECK(json["backups"][0]["tables"].size() == 2);
}

TEST_CASE("restore: a wrong key fails before the target is touched", "[e2e][backup]") {
    Workspace ws;
    TestDatabase db("bk_wrongkey");
    seed_trading_tables(db.url(), 10, 10);
    REQUIRE(aaitictl(with({"backup", "create", "--db", db.url()}, ws.repo_and_key())).exit_code == 0);
    const auto other_key = ws.dir.write_file("other.key", std::string(64, 'b')).string();
    TestDatabase target("bk_wrongkey_target");
    const auto r = aaitictl({"restore", "--latest", "--repo", ws.repo, "--key-file", other_key, "--db", target.url()});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Contains("wrong key"));
    CHECK(query_scalar(target.url(), "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == "0");

    const auto no_key = aaitictl({"restore", "--latest", "--repo", ws.repo, "--db", target.url()});
    CHECK(no_key.exit_code == 64);
    CHECK_THAT(no_key.err, Contains("--key-file"));
}

TEST_CASE("verify: one flipped byte is caught; restore of the damaged backup writes nothing", "[e2e][backup]") {
    Workspace ws;
    TestDatabase db("bk_flip");
    seed_trading_tables(db.url(), 100, 2000);
    const auto created = aaitictl(with({"backup", "create", "--db", db.url(), "-o", "json"}, ws.repo_and_key()));
    REQUIRE(created.exit_code == 0);
    const std::string id = created_id(created);
    REQUIRE(aaitictl(with({"backup", "verify", id}, ws.repo_and_key())).exit_code == 0);

    const auto file = data_file_of(ws, id);
    {
        std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
        f.seekg(static_cast<std::streamoff>(fs::file_size(file) / 2));
        char c = 0;
        f.get(c);
        f.seekp(static_cast<std::streamoff>(fs::file_size(file) / 2));
        f.put(static_cast<char>(c ^ 0x10));
    }
    const auto verified = aaitictl(with({"backup", "verify", id, "-o", "json"}, ws.repo_and_key()));
    CHECK(verified.exit_code == 1);
    const auto report = nlohmann::json::parse(verified.out);
    CHECK(report["ok"] == false);
    CHECK_THAT(report["backups"][0]["problems"][0].get<std::string>(), Contains("authentication failed"));

    TestDatabase target("bk_flip_target");
    const auto r = aaitictl(with({"restore", id, "--db", target.url()}, ws.repo_and_key()));
    CHECK(r.exit_code == 65);
    CHECK(query_scalar(target.url(), "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == "0");
}

TEST_CASE("verify and restore: a truncated backup file is named as truncated", "[e2e][backup]") {
    Workspace ws;
    TestDatabase db("bk_trunc");
    seed_trading_tables(db.url(), 100, 2000);
    const auto created = aaitictl(with({"backup", "create", "--db", db.url(), "-o", "json"}, ws.repo_and_key()));
    REQUIRE(created.exit_code == 0);
    const std::string id = created_id(created);
    const auto file = data_file_of(ws, id);
    fs::resize_file(file, fs::file_size(file) - 1000);
    const auto verified = aaitictl(with({"backup", "verify", id}, ws.repo_and_key()));
    CHECK(verified.exit_code == 1);
    CHECK_THAT(verified.out, Contains("truncated"));
    TestDatabase target("bk_trunc_target");
    const auto r = aaitictl(with({"restore", id, "--db", target.url()}, ws.repo_and_key()));
    CHECK(r.exit_code == 65);
    CHECK_THAT(r.err, Contains("truncated"));
}

TEST_CASE("restore: a non-empty target is refused without --force; --force replaces", "[e2e][backup]") {
    Workspace ws;
    TestDatabase db("bk_nonempty");
    seed_trading_tables(db.url(), 20, 20);
    REQUIRE(aaitictl(with({"backup", "create", "--db", db.url()}, ws.repo_and_key())).exit_code == 0);
    exec_sql(db.url(), "DELETE FROM trades");
    const auto refused = aaitictl(with({"restore", "--latest", "--db", db.url()}, ws.repo_and_key()));
    CHECK(refused.exit_code == 1);
    CHECK_THAT(refused.err, Contains("not empty") && Contains("--force"));
    CHECK(query_scalar(db.url(), "SELECT count(*) FROM trades") == "0");
    const auto forced = aaitictl(with({"restore", "--latest", "--force", "--db", db.url()}, ws.repo_and_key()));
    INFO(forced.err);
    CHECK(forced.exit_code == 0);
    CHECK(query_scalar(db.url(), "SELECT count(*) FROM trades") == "20");
}

TEST_CASE("restore --at picks the newest backup taken at or before the time; --create makes the database", "[e2e][backup]") {
    Workspace ws;
    TestDatabase db("bk_at");
    seed_trading_tables(db.url(), 10, 10);
    const auto first = aaitictl(with({"backup", "create", "--db", db.url(), "-o", "json"}, ws.repo_and_key()));
    REQUIRE(first.exit_code == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // ids and --at have second resolution
    exec_sql(db.url(), "INSERT INTO trades (account_n, price, qty) SELECT 1, 1, 1 FROM generate_series(1, 90)");
    const auto second = aaitictl(with({"backup", "create", "--db", db.url(), "-o", "json"}, ws.repo_and_key()));
    REQUIRE(second.exit_code == 0);

    const std::string name = db.name() + "_at";
    const std::string target = test_servers().pg_url(name);
    // The first backup's id is also a time: the instant it started.
    const auto r = aaitictl(with({"restore", "--at", created_id(first), "--create", "--db", target}, ws.repo_and_key()));
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Contains("(created)"));
    CHECK(query_scalar(target, "SELECT count(*) FROM trades") == "10");
    exec_sql(test_servers().pg_url("postgres"), "DROP DATABASE \"" + name + "\" WITH (FORCE)");

    // A bare date (the seed's `restore.sh <backup-date>`) is that whole day: today's newest backup, not
    // midnight's (which would find none of today's).
    const std::string id = created_id(second);
    const std::string today = id.substr(0, 4) + "-" + id.substr(4, 2) + "-" + id.substr(6, 2);
    const auto by_day = aaitictl(with({"restore", "--at", today, "--create", "--db", target}, ws.repo_and_key()));
    INFO(by_day.err);
    CHECK(by_day.exit_code == 0);
    CHECK(query_scalar(target, "SELECT count(*) FROM trades") == "100");
    exec_sql(test_servers().pg_url("postgres"), "DROP DATABASE \"" + name + "\" WITH (FORCE)");

    const auto too_early = aaitictl(with({"restore", "--at", "2001-01-01", "--db", target}, ws.repo_and_key()));
    CHECK(too_early.exit_code == 1);
    CHECK_THAT(too_early.err, Contains("no complete backup at or before 2001-01-01T23:59:59Z"));
}

TEST_CASE("restore --table restores one table only", "[e2e][backup]") {
    Workspace ws;
    TestDatabase db("bk_table");
    seed_trading_tables(db.url(), 30, 60);
    REQUIRE(aaitictl(with({"backup", "create", "--db", db.url()}, ws.repo_and_key())).exit_code == 0);
    TestDatabase target("bk_table_target");
    const auto r = aaitictl(with({"restore", "--latest", "--table", "accounts", "--db", target.url()}, ws.repo_and_key()));
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(query_scalar(target.url(), "SELECT count(*) FROM accounts") == "30");
    CHECK(query_scalar(target.url(), "SELECT count(*) FROM pg_tables WHERE tablename = 'trades'") == "0");
}

TEST_CASE("backup: a passphrase instead of a key file; -j parallel restore", "[e2e][backup]") {
    Workspace ws;
    TestDatabase db("bk_pass");
    seed_trading_tables(db.url(), 200, 3000);
    const auto pass = ws.dir.write_file("pass", "a long enough passphrase\n").string();
    REQUIRE(aaitictl({"backup", "create", "--db", db.url(), "--repo", ws.repo, "--passphrase-file", pass}).exit_code == 0);
    TestDatabase target("bk_pass_target");
    const auto r = aaitictl({"restore", "--latest", "-j", "2", "--db", target.url(), "--repo", ws.repo, "--passphrase-file", pass});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(table_fingerprints(target.url()) == table_fingerprints(db.url()));
}

TEST_CASE("backup: encryption is on unless --no-encrypt is explicit", "[e2e][backup]") {
    Workspace ws;
    TestDatabase db("bk_noenc");
    seed_trading_tables(db.url(), 5, 5);
    const auto refused = aaitictl({"backup", "create", "--db", db.url(), "--repo", ws.repo});
    CHECK(refused.exit_code == 64);
    CHECK_THAT(refused.err, Contains("--no-encrypt"));
    const auto plain = aaitictl({"backup", "create", "--db", db.url(), "--repo", ws.repo, "--no-encrypt"});
    CHECK(plain.exit_code == 0);
    CHECK_THAT(plain.out, Contains("NOT encrypted"));
    TestDatabase target("bk_noenc_target");
    CHECK(aaitictl({"restore", "--latest", "--db", target.url(), "--repo", ws.repo}).exit_code == 0);
}

TEST_CASE("prune --dry-run shows what would go and removes nothing; prune removes it", "[e2e][backup]") {
    Workspace ws;
    TestDatabase db("bk_prune");
    seed_trading_tables(db.url(), 5, 5);
    for (int i = 0; i < 3; ++i) REQUIRE(aaitictl(with({"backup", "create", "--db", db.url()}, ws.repo_and_key())).exit_code == 0);
    const auto dry = aaitictl({"backup", "prune", "--repo", ws.repo, "--keep-last", "1", "--dry-run", "-o", "json"});
    CHECK(dry.exit_code == 0);
    const auto plan = nlohmann::json::parse(dry.out);
    CHECK(plan["dry_run"] == true);
    int removed = 0;
    for (const auto& b : plan["backups"]) removed += b["keep"] == false;
    CHECK(removed == 2);
    CHECK(nlohmann::json::parse(aaitictl({"backup", "list", "--repo", ws.repo, "-o", "json"}).out)["backups"].size() == 3);

    CHECK(aaitictl({"backup", "prune", "--repo", ws.repo, "--keep-last", "1"}).exit_code == 0);
    CHECK(nlohmann::json::parse(aaitictl({"backup", "list", "--repo", ws.repo, "-o", "json"}).out)["backups"].size() == 1);
    CHECK(aaitictl({"backup", "prune", "--repo", ws.repo}).exit_code == 64);
}

TEST_CASE("the scheduled prune keeps a labelled backup made the same day; prune --label prunes it; --dry-run says why",
          "[e2e][backup]") {
    Workspace ws;
    TestDatabase db("bk_prune_label");
    seed_trading_tables(db.url(), 5, 5);
    const auto create = [&](const std::string& label) {
        std::vector<std::string> args{"backup", "create", "--db", db.url(), "-o", "json"};
        if (!label.empty()) args.insert(args.end(), {"--label", label});
        const auto r = aaitictl(with(args, ws.repo_and_key()));
        REQUIRE(r.exit_code == 0);
        return created_id(r);
    };
    const std::string scheduled_old = create("scheduled");
    const std::string manual = create("before-upgrade");
    const std::string scheduled_new = create("scheduled");

    // What `aaitictl up` runs after each scheduled backup (its retention: daily, weekly, monthly).
    const std::vector<std::string> scheduled_prune{"backup", "prune", "--repo", ws.repo, "--keep-daily", "7",
                                                   "--keep-weekly", "4", "--keep-monthly", "6"};
    auto dry_args = scheduled_prune;
    dry_args.insert(dry_args.end(), {"--dry-run", "-o", "json"});
    const auto dry = aaitictl(dry_args);
    REQUIRE(dry.exit_code == 0);
    std::map<std::string, nlohmann::json> decisions;
    const auto plan = nlohmann::json::parse(dry.out);  // named: a range-for over a temporary's member dangles
    for (const auto& b : plan["backups"]) decisions[b["id"].get<std::string>()] = b;
    CHECK(decisions[manual]["keep"] == true);
    CHECK_THAT(decisions[manual]["reasons"][0].get<std::string>(),
               Contains("labelled \"before-upgrade\"") && Contains("backup prune --label before-upgrade"));
    CHECK(decisions[scheduled_new]["keep"] == true);
    CHECK(decisions[scheduled_old]["keep"] == false);
    const auto why_old = decisions[scheduled_old]["reasons"].dump();
    INFO(why_old);
    CHECK_THAT(why_old, Contains("no rule keeps it") && Contains("keeps the newer " + scheduled_new));
    // The table form says the same, one line per backup.
    auto table_args = scheduled_prune;
    table_args.push_back("--dry-run");
    const auto table = aaitictl(table_args);
    CHECK_THAT(table.out, Contains("labelled \"before-upgrade\"") && Contains("no rule keeps it"));

    REQUIRE(aaitictl(scheduled_prune).exit_code == 0);
    const auto listed = nlohmann::json::parse(aaitictl({"backup", "list", "--repo", ws.repo, "-o", "json"}).out)["backups"];
    CHECK(listed.size() == 2);
    // Pruned by its label: the rules then apply to that label alone.
    const auto by_label =
        aaitictl({"backup", "prune", "--repo", ws.repo, "--label", "before-upgrade", "--keep-last", "1", "-o", "json"});
    REQUIRE(by_label.exit_code == 0);
    const auto by_label_plan = nlohmann::json::parse(by_label.out);
    REQUIRE(by_label_plan["backups"].size() == 2);
    for (const auto& b : by_label_plan["backups"]) {
        CHECK(b["keep"] == true);
        if (b["id"] == scheduled_new) CHECK(b["reasons"][0] == "not labelled before-upgrade");
    }
}

}  // namespace
}  // namespace aaiti::test
