#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/logging.h"

using namespace aaiti::logging;

TEST_CASE("a JSON log line is one valid object with ts, level, msg and typed fields") {
    const std::string line = format_json_line(Level::info, "request \"done\"\nok",
                                              {{"status", 200}, {"path", "/api/x"}, {"ms", 1.5}, {"cached", true}});
    const auto j = nlohmann::json::parse(line);
    CHECK(j["level"] == "info");
    CHECK(j["msg"] == "request \"done\"\nok");
    CHECK(j["status"] == 200);
    CHECK(j["path"] == "/api/x");
    CHECK(j["ms"] == 1.5);
    CHECK(j["cached"] == true);
    CHECK(j["ts"].get<std::string>().size() == 24);  // 2026-11-25T22:10:01.123Z
    CHECK(line.find('\n') == std::string::npos);
}

TEST_CASE("secrets in log messages and fields are masked") {
    const std::string line = format_json_line(Level::error, "cannot reach postgresql://app:hunter2@db/x",
                                              {{"url", "redis://:hunter3@r:6379"}});
    CHECK(line.find("hunter2") == std::string::npos);
    CHECK(line.find("hunter3") == std::string::npos);
    CHECK_THAT(line, Catch::Contains("postgresql://app:****@db/x"));
}

TEST_CASE("invalid UTF-8 in a log message does not throw") {
    const std::string line = format_json_line(Level::warn, std::string("bad \xff byte"), {});
    CHECK_NOTHROW(nlohmann::json::parse(line));
}

TEST_CASE("log levels and formats parse, and unknown names are config errors") {
    CHECK(parse_level("debug") == Level::debug);
    CHECK(parse_format("json") == Format::json);
    CHECK_THROWS_AS(parse_level("loud"), aaiti::ConfigError);
    CHECK_THROWS_AS(parse_format("xml"), aaiti::ConfigError);
}

TEST_CASE("NO_COLOR and --no-color disable colour") {
    CHECK_FALSE(use_color(1, true));
    ::setenv("NO_COLOR", "1", 1);
    CHECK_FALSE(use_color(1, false));
    ::unsetenv("NO_COLOR");
}
