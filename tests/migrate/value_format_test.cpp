// Value formatting, COPY text escaping and index translation: pure functions, no database.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>

#include "common/uuid.h"
#include "migrate/copy_text.h"
#include "migrate/index_translation.h"
#include "migrate/key_uuid.h"
#include "migrate/plan.h"
#include "migrate/row_converter.h"
#include "migrate/canonical_json.h"
#include "migrate/value_format.h"

namespace aaiti::migrate {
namespace {

TEST_CASE("timestamps parse from ISO 8601 variants and Unix epochs, to UTC microseconds") {
    const auto base = parse_timestamp_text("2024-01-02 03:04:05");
    REQUIRE(base);
    CHECK(format_timestamp_micros(*base) == "2024-01-02T03:04:05.000000Z");
    CHECK(parse_timestamp_text("2024-01-02T03:04:05Z") == base);
    CHECK(parse_timestamp_text("2024-01-02T05:04:05+02:00") == base);
    CHECK(parse_timestamp_text("2024-01-02T05:04:05+0200") == base);
    CHECK(parse_timestamp_text("2024-01-01T22:04:05-05") == base);
    CHECK(format_timestamp_micros(*parse_timestamp_text("2024-01-02T03:04:05.123Z")) == "2024-01-02T03:04:05.123000Z");
    CHECK(format_timestamp_micros(*parse_timestamp_text("2024-01-02")) == "2024-01-02T00:00:00.000000Z");
    CHECK(format_timestamp_micros(*parse_timestamp_text("2024-01-02 10:00")) == "2024-01-02T10:00:00.000000Z");
    CHECK(format_timestamp_micros(*parse_timestamp_text("1700000000")) == "2023-11-14T22:13:20.000000Z");
    CHECK(format_timestamp_micros(epoch_number_to_micros(1700000000123.0)) == "2023-11-14T22:13:20.123000Z");
    CHECK(format_timestamp_micros(*parse_timestamp_text("1969-12-31T23:59:59Z")) == "1969-12-31T23:59:59.000000Z");
    CHECK_FALSE(parse_timestamp_text("yesterday"));
    CHECK_FALSE(parse_timestamp_text("2024-13-01"));
    CHECK_FALSE(parse_timestamp_text("2024-01-02 03:04:05 junk"));
    CHECK_FALSE(parse_timestamp_text(""));
}

TEST_CASE("doubles are written shortest-exact, with PostgreSQL's names for infinities and NaN") {
    CHECK(format_double(0.1) == "0.1");
    CHECK(format_double(1.5) == "1.5");
    CHECK(format_double(3.0) == "3");
    CHECK(format_double(std::numeric_limits<double>::infinity()) == "Infinity");
    CHECK(format_double(-std::numeric_limits<double>::infinity()) == "-Infinity");
    CHECK(format_double(std::nan("")) == "NaN");
    CHECK(*parse_double_text("Infinity") == std::numeric_limits<double>::infinity());
    CHECK(std::isnan(*parse_double_text("nan")));
    CHECK_FALSE(parse_double_text("0x10"));
    CHECK_FALSE(parse_double_text(" 1"));
    CHECK(normalise_number_text("1.50") == "1.5");
    CHECK(normalise_number_text("20") == "20");
    CHECK(normalise_number_text("1e2") == "100");
}

TEST_CASE("integers parse strictly") {
    CHECK(parse_integer_text("-42") == -42);
    CHECK(parse_integer_text("+7") == 7);
    CHECK_FALSE(parse_integer_text("4.0"));
    CHECK_FALSE(parse_integer_text("99999999999999999999"));
    CHECK_FALSE(parse_integer_text("N/A"));
}

TEST_CASE("COPY text escapes backslash, tab, newline, carriage return and writes NULL as \\N, and parses back") {
    std::string out;
    append_copy_row(out, {std::string("a\\b\tc\nd\re"), std::nullopt, std::string(""), std::string("\\N")});
    CHECK(out == "a\\\\b\\tc\\nd\\re\t\\N\t\t\\\\N\n");
    out.pop_back();
    std::vector<std::optional<std::string_view>> back;
    split_copy_row_in_place(out, back);
    REQUIRE(back.size() == 4);
    CHECK(*back[0] == "a\\b\tc\nd\re");
    CHECK_FALSE(back[1]);
    CHECK(*back[2] == "");
    CHECK(*back[3] == "\\N");
}

TEST_CASE("bytea is written as hex and NUL bytes are stripped from text") {
    CHECK(bytea_hex("\x00\xff\x10", 3) == "\\x00ff10");
    CHECK(bytea_hex("", 0) == "\\x");
    std::string s("a\0b\0", 4);
    CHECK(strip_nul_bytes(s) == 2);
    CHECK(s == "ab");
}

TEST_CASE("JSON compares canonically") {
    CHECK(canonical_json("{\"b\": 1, \"a\": [1, 2]}") == canonical_json("{\"a\":[1,2],\"b\":1}"));
    CHECK(is_json_text("null"));
    CHECK_FALSE(is_json_text("{oops"));
}

TEST_CASE("JSON: the fast canonical form is the general one wherever it applies, and declines the rest") {
    // The general path (nlohmann parse + dump) is the reference; the fast path must agree byte for byte.
    const auto general = [](std::string_view text) {
        const auto parsed = nlohmann::json::parse(text);
        return parsed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    };
    for (const std::string_view text : {R"({"src":"gen","n":12})", R"({"n": 0, "src": "gen"})", R"( [1, -2, {"b":{"d":[],"c":{}},"a":null}, true, false] )",
                                        R"("plain")", "0", "-7", "123456789012345678", R"({"":1,"a":[{"z":1,"y":2}]})"}) {
        std::string fast;
        REQUIRE(append_canonical_json_fast(text, fast));
        CHECK(fast == general(text));
        CHECK(canonical_json(text) == fast);
    }
    // Declined: floats, escapes, non-ASCII, duplicate keys, long integers, -0, invalid JSON.
    for (const std::string_view text : {"1.5", "1e3", R"("a\nb")", "\"\xc3\xa9\"", R"({"a":1,"a":2})", "1234567890123456789", "-0", "{oops", "[1,]",
                                        "01"}) {
        std::string fast = "kept";
        CHECK_FALSE(append_canonical_json_fast(text, fast));
        CHECK(fast == "kept");
    }
    CHECK(canonical_json("1.50") == canonical_json("1.5"));
    CHECK(canonical_json(R"({"a":1,"a":2})") == R"({"a":2})");
}

TEST_CASE("key UUIDs are UUIDv5 of the fixed namespace, the table and the old key") {
    const Uuid ns = key_namespace();
    CHECK(key_uuid(ns, "user", "1") == key_uuid(ns, "user", "1"));
    CHECK(key_uuid(ns, "user", "1") != key_uuid(ns, "user", "2"));
    CHECK(key_uuid(ns, "user", "1") != key_uuid(ns, "order", "1"));
    CHECK(Uuid::parse(key_uuid(ns, "user", "1"))->version() == 5);
    CHECK(key_uuid(ns, "user", "1") == Uuid::name_based_v5(ns, "user:1").to_string());
}

TEST_CASE("expression and partial indexes are requoted for PostgreSQL") {
    const std::vector<std::string> columns{"Email", "total", "When"};
    SourceIndex ix;
    ix.name = "i";
    ix.has_expressions = true;
    ix.sql = "CREATE INDEX i ON \"user\" (lower(email), [When] DESC)";
    std::string why;
    auto t = translate_index(ix, columns, why);
    REQUIRE(t);
    CHECK(t->elements == "lower(\"Email\"), \"When\" DESC");
    CHECK(t->where.empty());

    SourceIndex partial;
    partial.name = "p";
    partial.partial = true;
    partial.sql = "CREATE INDEX p ON \"order\" (total) WHERE total > 100 AND note = 'it''s'";
    t = translate_index(partial, columns, why);
    REQUIRE(t);
    CHECK(t->elements == "\"total\"");
    CHECK(t->where == "\"total\" > 100 AND note = 'it''s'");
}

TEST_CASE("normalisation for --verify compares numbers by value and keeps NULL distinct from text") {
    CHECK(normalise_for_verify(PgType::numeric, std::string("150.50")) == normalise_for_verify(PgType::numeric, std::string("150.5")));
    CHECK(normalise_for_verify(PgType::text, std::nullopt) != normalise_for_verify(PgType::text, std::string("")));
    CHECK(normalise_for_verify(PgType::text, std::nullopt) != normalise_for_verify(PgType::text, std::string("\\N")));
}

}  // namespace
}  // namespace aaiti::migrate

namespace aaiti::migrate {
namespace {

TEST_CASE("the fast key UUID generator gives exactly Uuid::name_based_v5, for short and long names") {
    const Uuid ns = key_namespace();
    for (const std::string& table : std::vector<std::string>{"user", "Order Line", std::string(150, 'x')}) {
        const KeyUuidGenerator generate(ns, table);
        for (const std::string& key : std::vector<std::string>{"1", "-42", "9223372036854775807", "text key", std::string(70, 'k')})
            CHECK(generate(key) == Uuid::name_based_v5(ns, table + ":" + key).to_string());
    }
}

}  // namespace
}  // namespace aaiti::migrate
