// SQLite triggers in PostgreSQL: row triggers become a plpgsql function plus a trigger (unit: the
// translation), created after the load and firing there; those PostgreSQL refuses or that cannot be
// translated are reported with their SQLite SQL and the reason, never dropped ([pg]).
#include <catch2/catch.hpp>

#include <string>

#include "migrate/migrate.h"
#include "migrate/triggers.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_servers.h"

using Catch::Matchers::Contains;

namespace aaiti::test {
namespace {

migrate::MigrationPlan plan_with_trade() {
    migrate::MigrationPlan plan;
    migrate::TablePlan t;
    t.name = "Trade";
    for (const auto& [name, type] : {std::pair{"id", migrate::PgType::uuid}, {"Qty", migrate::PgType::integer}}) {
        migrate::ColumnPlan c;
        c.name = name;
        c.decision.type = type;
        t.columns.push_back(c);
    }
    plan.tables.push_back(t);
    migrate::TablePlan log;
    log.name = "log";
    migrate::ColumnPlan msg;
    msg.name = "msg";
    msg.decision.type = migrate::PgType::text;
    log.columns.push_back(msg);
    plan.tables.push_back(log);
    return plan;
}

TEST_CASE("a SQLite row trigger translates to a plpgsql function and a trigger, names requoted") {
    const auto plan = plan_with_trade();
    std::string why;
    const migrate::SourceObject trigger{"trigger", "qty up", "trade",
                                        "CREATE TRIGGER IF NOT EXISTS [qty up] AFTER UPDATE OF qty ON trade FOR EACH ROW\n"
                                        "WHEN new.qty > old.QTY -- only increases\n"
                                        "BEGIN\n  insert into LOG (msg) values ('up ' || new.qty);\n"
                                        "  SELECT CASE WHEN NEW.[Qty] > 10 THEN 1 END;\nEND;"};
    const auto t = migrate::translate_trigger(trigger, plan, "s", why);
    INFO(why);
    REQUIRE(t);
    CHECK(t->table == "Trade");
    CHECK_THAT(t->trigger_sql, Contains("CREATE TRIGGER \"qty up\" AFTER UPDATE OF \"Qty\" ON \"s\".\"Trade\" FOR EACH ROW") &&
                                   Contains("WHEN (NEW.\"Qty\" > OLD.\"Qty\")") && Contains("EXECUTE FUNCTION \"s\".\"qty up_fn\"()"));
    CHECK_THAT(t->function_sql, Contains("LANGUAGE plpgsql") && Contains("SET search_path = \"s\"") &&
                                    Contains("insert into \"log\" (\"msg\") values ('up ' || NEW.\"Qty\");") &&
                                    Contains("PERFORM CASE WHEN NEW.\"Qty\" > 10 THEN 1 END;") && Contains("RETURN NULL;"));
    REQUIRE(t->check_sql.size() == 2);
    CHECK(t->check_sql[0] == "PREPARE aaiti_trigger_check (integer) AS insert into \"log\" (\"msg\") values ('up ' || $1)");
}

TEST_CASE("a BEFORE trigger returns the row; INSTEAD OF, unknown tables and NEW.rowid say why they are not translated") {
    const auto plan = plan_with_trade();
    std::string why;
    const auto before = migrate::translate_trigger(
        {"trigger", "b", "trade", "CREATE TRIGGER b BEFORE DELETE ON trade BEGIN DELETE FROM log; END"}, plan, "public", why);
    REQUIRE(before);
    CHECK_THAT(before->function_sql, Contains("RETURN OLD;"));
    CHECK_FALSE(migrate::translate_trigger({"trigger", "i", "v", "CREATE TRIGGER i INSTEAD OF INSERT ON v BEGIN SELECT 1; END"}, plan,
                                           "public", why));
    CHECK_THAT(why, Contains("INSTEAD OF"));
    CHECK_FALSE(migrate::translate_trigger({"trigger", "x", "gone", "CREATE TRIGGER x AFTER INSERT ON gone BEGIN SELECT 1; END"}, plan,
                                           "public", why));
    CHECK_THAT(why, Contains("\"gone\"") && Contains("not a migrated table"));
    CHECK_FALSE(migrate::translate_trigger(
        {"trigger", "r", "trade", "CREATE TRIGGER r AFTER INSERT ON trade BEGIN INSERT INTO log VALUES (NEW.rowid); END"}, plan, "public",
        why));
    CHECK_THAT(why, Contains("NEW.rowid"));
}

const migrate::ObjectReport* object(const migrate::MigrationReport& r, const std::string& name) {
    for (const auto& o : r.objects)
        if (o.name == name) return &o;
    return nullptr;
}

TEST_CASE("triggers are created after the load and fire; refused and untranslatable ones are reported with their SQL", "[pg]") {
    TempDir dir("migrate-triggers");
    const std::string source = (dir / "triggers.sqlite").string();
    const auto made = run_process(
        {"sqlite3", source,
         "CREATE TABLE trade (id INTEGER PRIMARY KEY, qty INTEGER, at TEXT);"
         "CREATE TABLE log (msg TEXT, qty INTEGER);"
         "CREATE TABLE totals (n INTEGER);"
         "INSERT INTO totals VALUES (0);"
         "CREATE VIEW v AS SELECT qty FROM trade;"
         // Translated: an audit row per insert (it fired in SQLite too: log holds one row), a running total.
         "CREATE TRIGGER audit AFTER INSERT ON trade BEGIN INSERT INTO log (msg, qty) VALUES ('new', NEW.qty); END;"
         "CREATE TRIGGER total AFTER UPDATE OF qty ON trade WHEN NEW.qty <> OLD.qty BEGIN UPDATE totals SET n = n + NEW.qty - OLD.qty; END;"
         "INSERT INTO trade (qty, at) VALUES (5, '2026-01-01');"
         // Refused by PostgreSQL: SQLite's RAISE(), a SQLite-only function, a uuid key into an integer column.
         "CREATE TRIGGER guard BEFORE UPDATE ON trade WHEN NEW.qty < 0 BEGIN SELECT RAISE(ABORT, 'negative qty'); END;"
         "CREATE TRIGGER stamp AFTER INSERT ON trade BEGIN INSERT INTO log (msg) VALUES (strftime('%Y', 'now')); END;"
         "CREATE TRIGGER keyed AFTER DELETE ON trade BEGIN INSERT INTO log (qty) VALUES (OLD.id); END;"
         // Not translated: INSTEAD OF on a view.
         "CREATE TRIGGER v_ins INSTEAD OF INSERT ON v BEGIN INSERT INTO trade (qty) VALUES (NEW.qty); END;"});
    REQUIRE(made.exit_code == 0);
    TestDatabase db("migrate_triggers");
    migrate::MigrateOptions o;
    o.source_path = source;
    o.target_url = db.url();
    o.jobs = 2;
    const auto report = migrate::run_migration(o);

    int triggers = 0;
    for (const auto& obj : report.objects) {
        if (obj.kind != "trigger") continue;
        ++triggers;
        INFO(obj.name << ": " << obj.sql << " -> " << obj.reason);
        CHECK_FALSE(obj.sql.empty());
        if (!obj.created) CHECK_FALSE(obj.reason.empty());
    }
    CHECK(triggers == 6);
    const auto* audit = object(report, "audit");
    const auto* total = object(report, "total");
    REQUIRE(audit);
    REQUIRE(total);
    CHECK(audit->created);
    CHECK(total->created);
    CHECK_THAT(audit->sql, Contains("CREATE TRIGGER \"audit\" AFTER INSERT ON \"public\".\"trade\""));
    for (const char* refused : {"guard", "stamp", "keyed"}) {
        const auto* r = object(report, refused);
        REQUIRE(r);
        INFO(refused << ": " << r->reason);
        CHECK_FALSE(r->created);
        CHECK_THAT(r->reason, Contains("PostgreSQL refused") && Contains("rewrite it by hand"));
        CHECK_THAT(r->sql, Contains("CREATE TRIGGER " + std::string(refused)));  // the SQLite SQL, to rewrite
    }
    CHECK_THAT(object(report, "stamp")->reason, Contains("strftime"));
    CHECK_THAT(object(report, "keyed")->reason, Contains("uuid"));
    const auto* instead = object(report, "v_ins");
    REQUIRE(instead);
    CHECK_FALSE(instead->created);
    CHECK_THAT(instead->reason, Contains("INSTEAD OF"));
    // A refused trigger leaves no function behind.
    CHECK(query_scalar(db.url(), "SELECT count(*) FROM pg_proc WHERE proname IN ('guard_fn', 'stamp_fn', 'keyed_fn')") == "0");

    // The migrated rows are the SQLite rows (the load does not fire them); from now on they fire.
    CHECK(query_scalar(db.url(), "SELECT count(*) FROM log") == "1");
    exec_sql(db.url(), "INSERT INTO trade (id, qty) VALUES (gen_random_uuid(), 7)");
    CHECK(query_scalar(db.url(), "SELECT count(*) FROM log WHERE msg = 'new' AND qty = 7") == "1");
    exec_sql(db.url(), "UPDATE trade SET qty = qty + 10 WHERE qty = 5");
    CHECK(query_scalar(db.url(), "SELECT n FROM totals") == "10");
}

TEST_CASE("migrate --plan lists each trigger with its translation or why there is none", "[pg]") {
    TempDir dir("migrate-triggers-plan");
    const std::string source = (dir / "plan.sqlite").string();
    REQUIRE(run_process({"sqlite3", source,
                         "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER); CREATE TABLE log (n INTEGER);"
                         "CREATE VIEW v AS SELECT n FROM t;"
                         "CREATE TRIGGER a AFTER INSERT ON t BEGIN INSERT INTO log VALUES (NEW.n); END;"
                         "CREATE TRIGGER b INSTEAD OF DELETE ON v BEGIN DELETE FROM t; END;"})
                .exit_code == 0);
    migrate::MigrateOptions o;
    o.source_path = source;
    o.plan_only = true;
    const auto report = migrate::run_migration(o);
    const auto* a = object(report, "a");
    const auto* b = object(report, "b");
    REQUIRE(a);
    REQUIRE(b);
    CHECK_THAT(a->sql, Contains("CREATE TRIGGER \"a\""));
    CHECK_THAT(a->reason, Contains("planned"));
    CHECK_THAT(b->reason, Contains("not translated") && Contains("INSTEAD OF"));
}

}  // namespace
}  // namespace aaiti::test
