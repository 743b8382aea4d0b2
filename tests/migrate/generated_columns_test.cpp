// SQLite generated columns in PostgreSQL: recreated GENERATED ALWAYS AS (...) STORED where PostgreSQL
// accepts the expression (VIRTUAL ones too, said in the report), otherwise their values loaded as a plain
// column with the reason; --verify compares PostgreSQL's results with SQLite's ([pg]). The expression is
// read out of CREATE TABLE (unit).
#include <catch2/catch.hpp>

#include <string>

#include "migrate/generated_columns.h"
#include "migrate/migrate.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_servers.h"

using Catch::Matchers::Contains;

namespace aaiti::test {
namespace {

TEST_CASE("the expression of a generated column is read from its CREATE TABLE, whatever the spelling") {
    const std::string sql = "CREATE TABLE \"line\" (id INTEGER PRIMARY KEY, qty INTEGER CHECK (qty > 0), price REAL,\n"
                            "  total REAL GENERATED ALWAYS AS (qty * (price + 0)) STORED,\n"
                            "  [my label] TEXT AS (upper('a,b' || \"qty\")) -- comment, with a comma\n"
                            ", x AS (1) VIRTUAL NOT NULL)";
    using migrate::generation_expression;
    CHECK(generation_expression(sql, "TOTAL") == "qty * (price + 0)");
    CHECK(generation_expression(sql, "my label") == "upper('a,b' || \"qty\")");
    CHECK(generation_expression(sql, "x") == "1");
    CHECK(generation_expression(sql, "qty") == "");
    CHECK(generation_expression(sql, "nope") == "");
}

const migrate::ColumnReport& column(const migrate::MigrationReport& r, const std::string& name) {
    for (const auto& t : r.tables)
        for (const auto& c : t.columns)
            if (c.name == name) return c;
    FAIL("no column " << name);
    throw std::logic_error("unreachable");
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += s + "\n";
    return out;
}

TEST_CASE("generated columns are recreated where PostgreSQL accepts the expression, else loaded as values", "[pg]") {
    TempDir dir("migrate-generated");
    const std::string source = (dir / "generated.sqlite").string();
    const auto made = run_process(
        {"sqlite3", source,
         "CREATE TABLE line (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER, price REAL, at TEXT,"
         " total REAL GENERATED ALWAYS AS (qty * price) STORED,"
         " shout TEXT AS (upper(Name)) VIRTUAL,"
         " year TEXT GENERATED ALWAYS AS (strftime('%Y', at)) STORED);"
         "INSERT INTO line (name, qty, price, at) VALUES ('bolt', 2, 1.5, '2024-05-06'), ('nut', 3, 0.25, '2025-01-01');"});
    REQUIRE(made.exit_code == 0);
    TestDatabase db("migrate_generated");
    migrate::MigrateOptions o;
    o.source_path = source;
    o.target_url = db.url();
    o.jobs = 2;
    o.verify = true;
    const auto r = migrate::run_migration(o);
    INFO(joined(r.verify.mismatches) << joined(r.warnings));
    CHECK(r.verify.ok);  // PostgreSQL's totals and upper() are SQLite's

    const auto generated = [&](const std::string& c) {
        return query_scalar(db.url(), "SELECT attgenerated FROM pg_attribute WHERE attrelid = 'line'::regclass AND attname = '" + c + "'");
    };
    CHECK(generated("total") == "s");
    CHECK(generated("shout") == "s");
    CHECK(generated("year") == "");
    CHECK_THAT(joined(column(r, "total").coercions), Contains("GENERATED ALWAYS AS (\"qty\" * \"price\") STORED"));
    CHECK_THAT(joined(column(r, "shout").coercions), Contains("VIRTUAL in SQLite; PostgreSQL has only STORED"));
    CHECK_THAT(joined(column(r, "year").coercions), Contains("loaded as a plain column") && Contains("strftime"));
    CHECK_THAT(joined(r.warnings), Contains("generated column \"year\" (STORED): its values were loaded as a plain column") &&
                                       Contains("generated column \"shout\" (VIRTUAL): recreated STORED"));

    // The refused one holds SQLite's values; the recreated ones are computed by PostgreSQL from now on.
    CHECK(query_scalar(db.url(), "SELECT string_agg(year, ',' ORDER BY year) FROM line") == "2024,2025");
    CHECK(query_scalar(db.url(), "SELECT total FROM line WHERE name = 'bolt'") == "3");
    exec_sql(db.url(), "INSERT INTO line (id, name, qty, price) VALUES (gen_random_uuid(), 'washer', 4, 0.5)");
    CHECK(query_scalar(db.url(), "SELECT total || ' ' || shout FROM line WHERE name = 'washer'") == "2 WASHER");
}

TEST_CASE("migrate --plan says which generated columns will be tried as GENERATED ALWAYS AS", "[pg]") {
    TempDir dir("migrate-generated-plan");
    const std::string source = (dir / "generated.sqlite").string();
    REQUIRE(run_process({"sqlite3", source, "CREATE TABLE t (a INTEGER, b INTEGER AS (a * 2) VIRTUAL);"}).exit_code == 0);
    migrate::MigrateOptions o;
    o.source_path = source;
    o.plan_only = true;
    const auto r = migrate::run_migration(o);
    CHECK_THAT(joined(column(r, "b").coercions), Contains("GENERATED ALWAYS AS (\"a\" * 2) STORED if PostgreSQL accepts"));
}

}  // namespace
}  // namespace aaiti::test
