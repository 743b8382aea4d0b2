// SQLite views recreated in PostgreSQL: reading the SELECT out of CREATE VIEW (unit), and creating
// them after the load, views on views included, with a clear reason for those PostgreSQL refuses ([pg]).
#include <catch2/catch.hpp>

#include <string>

#include "migrate/migrate.h"
#include "migrate/views.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_servers.h"

using Catch::Matchers::Contains;

namespace aaiti::test {
namespace {

TEST_CASE("the SELECT of a CREATE VIEW is found whatever the name's quoting and options") {
    using migrate::view_select_body;
    CHECK(view_select_body("CREATE VIEW v AS SELECT 1") == "SELECT 1");
    CHECK(view_select_body("create temp view if not exists \"my view\" (a, b) as\n  select x, y from t;") == "select x, y from t");
    CHECK(view_select_body("CREATE VIEW [odd AS name] AS SELECT 2") == "SELECT 2");
    CHECK(view_select_body("CREATE VIEW main.`v` AS SELECT 3") == "SELECT 3");
    CHECK(view_select_body("CREATE VIEW \"a\"\"s\" AS SELECT 4") == "SELECT 4");
    CHECK(view_select_body("CREATE TABLE t (a)") == "");
}

TEST_CASE("views are created after the load, a view on a view too, and refused ones say why", "[pg]") {
    TempDir dir("migrate-views");
    const std::string source = (dir / "views.sqlite").string();
    // Views are listed by name: "a_total" (on "b_big", created in a later pass) sorts before it.
    const auto created = run_process({"sqlite3", source,
                                      "CREATE TABLE trade (id INTEGER PRIMARY KEY, qty INTEGER, price REAL, at TEXT);"
                                      "INSERT INTO trade (qty, price, at) VALUES (1, 10.0, '2026-01-01'), (5, 20.0, '2026-02-01');"
                                      "CREATE VIEW b_big AS SELECT id, qty * price AS amount FROM trade WHERE qty > 2;"
                                      "CREATE VIEW a_total AS SELECT sum(amount) AS total FROM b_big;"
                                      "CREATE VIEW by_year AS SELECT strftime('%Y', at) AS year, count(*) AS n FROM trade GROUP BY 1;"});
    REQUIRE(created.exit_code == 0);
    TestDatabase db("migrate_views");
    migrate::MigrateOptions o;
    o.source_path = source;
    o.target_url = db.url();
    o.jobs = 2;
    const auto report = migrate::run_migration(o);

    bool saw_refused = false;
    int created_views = 0;
    for (const auto& obj : report.objects) {
        if (obj.kind != "view") continue;
        INFO(obj.name << ": " << obj.sql << " -> " << obj.reason);
        if (obj.name == "by_year") {
            saw_refused = !obj.created;
            CHECK_THAT(obj.reason, Contains("strftime") && Contains("rewrite it by hand"));
        } else {
            CHECK(obj.created);
            ++created_views;
        }
    }
    CHECK(saw_refused);
    CHECK(created_views == 2);
    CHECK(query_scalar(db.url(), "SELECT total FROM a_total") == "100");
}

}  // namespace
}  // namespace aaiti::test
