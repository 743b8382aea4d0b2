// Type inference without PostgreSQL: declared type + observed storage classes -> PostgreSQL type, and
// what --on-bad-value does with values that do not fit.
#include <catch2/catch.hpp>

#include <cmath>
#include <initializer_list>
#include <limits>

#include "common/error.h"
#include "migrate/type_mapping.h"

namespace aaiti::migrate {
namespace {

ColumnProfile profile_of(const std::string& declared, std::initializer_list<SourceValue> values) {
    ColumnProfile p;
    p.declared = classify_declared_type(declared);
    std::int64_t row = 0;
    for (const auto& v : values) observe_value(p, v, ++row);
    return p;
}

TypeDecision decide(const std::string& declared, std::initializer_list<SourceValue> values,
                    BadValuePolicy policy = BadValuePolicy::text) {
    return decide_column_type("t", "c", declared, profile_of(declared, values), policy);
}

using V = SourceValue;

TEST_CASE("declared types are classified by SQLite's affinity rules plus boolean, date and JSON names") {
    CHECK(classify_declared_type("INTEGER") == DeclaredKind::integer);
    CHECK(classify_declared_type("BIGINT") == DeclaredKind::integer);
    CHECK(classify_declared_type("NVARCHAR(160)") == DeclaredKind::text);
    CHECK(classify_declared_type("DOUBLE PRECISION") == DeclaredKind::real);
    CHECK(classify_declared_type("NUMERIC(10,2)") == DeclaredKind::numeric);
    CHECK(classify_declared_type("DECIMAL") == DeclaredKind::numeric);
    CHECK(classify_declared_type("BOOLEAN") == DeclaredKind::boolean);
    CHECK(classify_declared_type("DATETIME") == DeclaredKind::datetime);
    CHECK(classify_declared_type("timestamp") == DeclaredKind::datetime);
    CHECK(classify_declared_type("JSON") == DeclaredKind::json);
    CHECK(classify_declared_type("BLOB") == DeclaredKind::blob);
    CHECK(classify_declared_type("") == DeclaredKind::none);
}

TEST_CASE("integers within 32 bits are integer, beyond are bigint") {
    CHECK(decide("INTEGER", {V::of_integer(1), V::of_integer(-2147483648LL), V::null()}).type == PgType::integer);
    CHECK(decide("INTEGER", {V::of_integer(1), V::of_integer(3000000000LL)}).type == PgType::bigint);
    CHECK(decide("INTEGER", {V::of_integer(-2147483649LL)}).type == PgType::bigint);
}

TEST_CASE("REAL is double precision, never 4-byte real, and infinities are kept") {
    const auto d = decide("REAL", {V::of_real(0.1), V::of_real(std::numeric_limits<double>::infinity()), V::of_text("NaN")});
    CHECK(d.type == PgType::double_precision);
    CHECK(d.bad_values == 0);
    CHECK(decide("FLOAT", {V::of_real(1.5)}).type == PgType::double_precision);
}

TEST_CASE("NUMERIC and DECIMAL are numeric") {
    CHECK(decide("NUMERIC(10,2)", {V::of_real(1.99), V::of_integer(3)}).type == PgType::numeric);
    CHECK(decide("DECIMAL", {V::of_text("12.50")}).type == PgType::numeric);
}

TEST_CASE("0/1 in a BOOLEAN column is boolean; other values keep it numeric with a warning") {
    CHECK(decide("BOOLEAN", {V::of_integer(0), V::of_integer(1), V::null()}).type == PgType::boolean);
    CHECK(decide("BOOL", {V::of_text("true"), V::of_text("f")}).type == PgType::boolean);
    const auto d = decide("BOOLEAN", {V::of_integer(0), V::of_integer(2)});
    CHECK(d.type == PgType::integer);
    REQUIRE(d.warnings.size() == 1);
}

TEST_CASE("date columns are timestamptz when every value parses, in any supported format") {
    const auto d = decide("DATETIME", {V::of_text("2024-01-02 03:04:05"), V::of_text("2024-01-02T03:04:05.123Z"),
                                       V::of_text("2024-06-01T10:00:00+02:00"), V::of_text("2024-01-03"),
                                       V::of_integer(1700000000), V::of_integer(1700000000123LL), V::null()});
    CHECK(d.type == PgType::timestamptz);
    CHECK(d.warnings.empty());
}

TEST_CASE("a date column with one value that is not a date stays text, with a warning naming it") {
    const auto d = decide("DATETIME", {V::of_text("2024-01-02"), V::of_text("yesterday")});
    CHECK(d.type == PgType::text);
    REQUIRE(d.warnings.size() == 1);
    CHECK_THAT(d.warnings[0], Catch::Matchers::Contains("'yesterday' at rowid 2"));
}

TEST_CASE("valid JSON in a JSON column is jsonb; invalid JSON keeps it text with a warning") {
    CHECK(decide("JSON", {V::of_text("{\"a\": 1}"), V::of_text("[1,2]"), V::of_integer(42), V::of_text("null")}).type ==
          PgType::jsonb);
    const auto d = decide("JSON", {V::of_text("{\"a\": 1}"), V::of_text("{oops")});
    CHECK(d.type == PgType::text);
    CHECK(d.warnings.size() == 1);
}

TEST_CASE("BLOBs are bytea; BLOBs among text make the column bytea so nothing is lost") {
    CHECK(decide("BLOB", {V::of_blob(std::string_view("\0\1", 2)), V::of_blob("")}).type == PgType::bytea);
    CHECK(decide("", {V::of_integer(1), V::of_text("two"), V::of_blob("\x01")}).type == PgType::bytea);
    CHECK(decide("TEXT", {V::of_text("a"), V::of_blob("\x01")}).type == PgType::bytea);
}

TEST_CASE("text in an INTEGER column widens it to text by default and the decision says why") {
    const auto d = decide("INTEGER", {V::of_integer(30), V::of_text("N/A"), V::of_integer(41)});
    CHECK(d.type == PgType::text);
    CHECK(d.bad_values == 1);
    REQUIRE(d.coercions.size() == 1);
    CHECK_THAT(d.coercions[0], Catch::Matchers::Contains("1 value is not an integer (first: 'N/A' at rowid 2)"));
    CHECK_THAT(d.coercions[0], Catch::Matchers::Contains("widened to text"));
}

TEST_CASE("migrate --on-bad-value null, reject and fail keep the type or stop") {
    const auto nulled = decide("INTEGER", {V::of_integer(1), V::of_text("N/A")}, BadValuePolicy::null);
    CHECK(nulled.type == PgType::integer);
    CHECK(nulled.on_bad == BadValueAction::set_null);
    const auto rejected = decide("INTEGER", {V::of_integer(1), V::of_text("N/A")}, BadValuePolicy::reject);
    CHECK(rejected.on_bad == BadValueAction::reject_row);
    CHECK_THROWS_AS(decide("INTEGER", {V::of_text("N/A")}, BadValuePolicy::fail), DataError);
    CHECK_THROWS_WITH(decide("REAL", {V::of_text("lots")}, BadValuePolicy::fail),
                      Catch::Matchers::Contains("table \"t\" column \"c\"") && Catch::Matchers::Contains("'lots'"));
}

TEST_CASE("non-integral numbers in an INTEGER column widen it to numeric") {
    const auto d = decide("INTEGER", {V::of_integer(1), V::of_real(2.5)});
    CHECK(d.type == PgType::numeric);
    CHECK(d.coercions.size() == 1);
}

TEST_CASE("NUL bytes in text are stripped and counted") {
    const auto d = decide("TEXT", {V::of_text(std::string_view("a\0b\0", 4)), V::of_text("plain")});
    CHECK(d.type == PgType::text);
    CHECK(d.strip_nul);
    REQUIRE(d.coercions.size() == 1);
    CHECK_THAT(d.coercions[0], Catch::Matchers::Contains("2 NUL bytes stripped from 1 value"));
}

TEST_CASE("columns without a declared type follow their values") {
    CHECK(decide("", {V::of_integer(1), V::of_integer(2)}).type == PgType::integer);
    CHECK(decide("", {V::of_integer(1), V::of_real(2.5)}).type == PgType::double_precision);
    CHECK(decide("", {V::of_integer(1), V::of_text("x")}).type == PgType::text);
    CHECK(decide("", {V::null()}).type == PgType::text);
}

TEST_CASE("value_fits agrees with the chosen types") {
    CHECK(value_fits(V::of_text("42"), PgType::integer));
    CHECK_FALSE(value_fits(V::of_text("N/A"), PgType::bigint));
    CHECK(value_fits(V::of_text("-Infinity"), PgType::double_precision));
    CHECK(value_fits(V::of_integer(1), PgType::boolean));
    CHECK_FALSE(value_fits(V::of_integer(2), PgType::boolean));
    CHECK(value_fits(V::of_text("2024-01-02T03:04:05Z"), PgType::timestamptz));
    CHECK_FALSE(value_fits(V::of_blob("x"), PgType::integer));
}

}  // namespace
}  // namespace aaiti::migrate
