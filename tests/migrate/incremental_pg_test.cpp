// --incremental / --finish ([pg]): the first run installs change capture in the source and migrates; rows
// inserted, updated (a key included) and deleted in SQLite afterwards reach PostgreSQL with the next
// --incremental (same UUIDs as a fresh migration of the changed file); --finish syncs a last time and
// removes the triggers and the change log from the source and the state from the target.
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <string>

#include "migrate/migrate.h"
#include "tests/migrate/fixtures.h"
#include "tests/migrate/target_snapshot.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_servers.h"

namespace aaiti::test {
namespace {

namespace mf = migrate_fixtures;

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += s + "\n";
    return out;
}

int capture_objects(const std::string& source) {
    SQLite::Database db(source);
    SQLite::Statement q(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE '\\_aaiti\\_%' ESCAPE '\\'");
    q.executeStep();
    return q.getColumn(0).getInt();
}

const migrate::TableReport& table(const migrate::MigrationReport& r, const std::string& name) {
    for (const auto& t : r.tables)
        if (t.source_name == name) return t;
    FAIL("no table " << name);
    throw std::logic_error("unreachable");
}

TEST_CASE("migrate --incremental replays inserts, updates and deletes; --finish removes the capture from the source", "[pg]") {
    TempDir dir("migrate-incremental");
    const std::string source = mf::build_hostile(dir.path());
    TestDatabase db("incremental");
    migrate::MigrateOptions o;
    o.source_path = source;
    o.target_url = db.url();
    o.jobs = 2;
    o.incremental = true;
    o.verify = true;

    // First run: the full migration, with 3 triggers per table and the change log installed in the source.
    const auto first = migrate::run_migration(o);
    INFO(joined(first.verify.mismatches));
    REQUIRE(first.verify.ok);
    CHECK(capture_objects(source) == 8 * 3 + 1);
    CHECK(query_scalar(db.url(), "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND condeferrable") != "0");
    // The source's own trigger waits for --finish (a replay would fire it on top of its captured effect);
    // the capture triggers are ours, not the user's: never reported as triggers to translate.
    for (const auto& obj : first.objects) {
        if (obj.kind != "trigger") continue;
        INFO(obj.name << ": " << obj.reason);
        CHECK(obj.name == "order_audit");
        CHECK_FALSE(obj.created);
        CHECK_THAT(obj.reason, Catch::Matchers::Contains("--finish"));
    }
    CHECK(query_scalar(db.url(), "SELECT count(*) FROM pg_trigger WHERE tgname = 'order_audit'") == "0");

    {
        SQLite::Database w(source, SQLite::OPEN_READWRITE);
        w.exec(R"SQL(
INSERT INTO "user" VALUES (6, 'Fay', 'fay@example.com', 1, '2024-03-01 12:00:00', '{"k": 2}', x'0102', 2.5, 10, 33);
INSERT INTO "order" VALUES (5, 6, 1, 42.5, '2024-03-02');
UPDATE "user" SET "Display Name" = 'Ann B.' WHERE id = 1;
DELETE FROM shipment WHERE id = 4;
DELETE FROM "Order Line" WHERE order_id = 2 AND line_no = 1;
UPDATE tag SET code = 'c' WHERE code = 'a';
INSERT INTO log VALUES ('same', 1);
)SQL");
    }
    const auto synced = migrate::run_migration(o);
    INFO(joined(synced.verify.mismatches));
    CHECK(synced.verify.ok);
    CHECK(table(synced, "user").status == "synced");
    CHECK(table(synced, "MixedCase").status == "unchanged");
    // The new child reaches the new parent through the rewritten UUID key.
    CHECK(query_scalar(db.url(), "SELECT u.\"Display Name\" FROM \"order\" o JOIN \"user\" u ON u.id = o.user_id WHERE o.total = 42.5") == "Fay");
    CHECK(query_scalar(db.url(), "SELECT \"Display Name\" FROM \"user\" WHERE email = 'ann@example.com'") == "Ann B.");
    CHECK(query_scalar(db.url(), "SELECT string_agg(code, ',' ORDER BY code) FROM tag") == "b,c");
    CHECK(query_scalar(db.url(), "SELECT count(*) FROM log") == "9");  // 7 + the new order's audit row + one insert

    // The same rows, UUIDs included, as a fresh migration of the changed file.
    TestDatabase fresh("incremental_fresh");
    migrate::MigrateOptions f = o;
    f.target_url = fresh.url();
    f.incremental = false;
    f.verify = false;
    migrate::run_migration(f);
    const auto expected = snapshot_target(fresh.url()), actual = snapshot_target(db.url());
    REQUIRE(expected.tables.size() == 8);
    for (const auto& [name, digest] : expected.tables) {
        INFO("table " << name);
        CHECK(actual.tables.at(name) == digest);
    }

    // Nothing new: a second sync changes nothing.
    const auto again = migrate::run_migration(o);
    for (const auto& t : again.tables) CHECK(t.status == "unchanged");

    // --finish: one more change, the last sync, then the source is as it was (no triggers, no log).
    {
        SQLite::Database w(source, SQLite::OPEN_READWRITE);
        w.exec("DELETE FROM \"user profile\" WHERE user_id = 4");
    }
    migrate::MigrateOptions fin = o;
    fin.incremental = false;
    fin.finish = true;
    const auto finished = migrate::run_migration(fin);
    INFO(joined(finished.verify.mismatches));
    CHECK(finished.verify.ok);
    CHECK(query_scalar(db.url(), "SELECT count(*) FROM \"user profile\"") == "1");
    CHECK(capture_objects(source) == 0);
    CHECK(query_scalar(db.url(), "SELECT count(*) FROM pg_class WHERE relname = 'aaiti_migrate_state'") == "0");
    // No replay follows: the source's trigger now exists in PostgreSQL, and only it.
    int triggers = 0;
    for (const auto& obj : finished.objects)
        if (obj.kind == "trigger") triggers += obj.name == "order_audit" && obj.created ? 1 : 100;
    CHECK(triggers == 1);
    CHECK(query_scalar(db.url(), "SELECT count(*) FROM pg_trigger WHERE tgname = 'order_audit'") == "1");
    // And once finished there is nothing left to finish.
    CHECK_THROWS_WITH(migrate::run_migration(fin), Catch::Matchers::Contains("nothing to finish"));
}

TEST_CASE("a plain migrate installs nothing in the source", "[pg]") {
    TempDir dir("migrate-no-capture");
    const std::string source = mf::build_hostile(dir.path());
    TestDatabase db("no_capture");
    migrate::MigrateOptions o;
    o.source_path = source;
    o.target_url = db.url();
    migrate::run_migration(o);
    CHECK(capture_objects(source) == 0);
    CHECK(query_scalar(db.url(), "SELECT count(*) FROM pg_class WHERE relname = 'aaiti_migrate_state'") == "0");
}

}  // namespace
}  // namespace aaiti::test
