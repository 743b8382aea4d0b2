// The progress display's text (migrate::format_progress): pure, so its layout is pinned without a terminal.
#include <catch2/catch.hpp>

#include "migrate/progress.h"

using Catch::Matchers::Contains;

namespace aaiti::migrate {
namespace {

ProgressSnapshot loading_snapshot() {
    ProgressSnapshot s;
    s.phase = "load";
    s.seconds = 65;
    s.tables = {{"orders", 300000, 600000, TableState::loading, 2.0},
                {"trades", 400000, 400000, TableState::done, 3.0},
                {"accounts", 0, 10001, TableState::waiting, 0}};
    return s;
}

bool has_escape(const std::vector<std::string>& lines) {
    for (const auto& l : lines)
        if (l.find('\x1b') != std::string::npos || l.find('\r') != std::string::npos || l.find('\n') != std::string::npos) return true;
    return false;
}

TEST_CASE("progress: an overall line, then one line per table being loaded") {
    const auto lines = format_progress(loading_snapshot(), 200, false);
    REQUIRE(lines.size() == 2);
    // 700k of 1.01M rows; the rate is over the longest-running table (3 s).
    CHECK(lines[0] == "migrate: load [###########.....]  69% 700.0k/1.01M rows 1/3 tables 233.3k/s 1:05");
    CHECK(lines[1] == "  orders [########........]  50% 300.0k/600.0k 150.0k/s");
    CHECK_FALSE(has_escape(lines));
}

TEST_CASE("progress: before the load only the phase and the time are shown") {
    ProgressSnapshot s;
    s.phase = "profile";
    s.seconds = 3.5;
    CHECK(format_progress(s, 80, false) == std::vector<std::string>{"migrate: profile  0:03"});
    CHECK(format_progress(ProgressSnapshot{}, 80, false) == std::vector<std::string>{"migrate: starting  0:00"});
}

TEST_CASE("progress: a long phase name is kept whole; a narrow terminal cuts from the right") {
    auto s = loading_snapshot();
    s.phase = "foreign keys";
    CHECK_THAT(format_progress(s, 200, false)[0], Contains("migrate: foreign keys ["));
    CHECK(format_progress(s, 30, false)[0] == "migrate: foreign keys [#######");
}

TEST_CASE("progress: no line is wider than the terminal, colours included") {
    for (const bool color : {false, true})
        for (const int width : {20, 40, 79}) {
            for (const auto& line : format_progress(loading_snapshot(), width, color)) {
                std::size_t visible = 0;
                for (std::size_t i = 0; i < line.size(); ++i) {
                    if (line[i] == '\x1b') {
                        i = line.find('m', i);
                        continue;
                    }
                    ++visible;
                }
                CHECK(visible <= static_cast<std::size_t>(width));
            }
        }
}

TEST_CASE("progress: colour only when asked, and then only SGR sequences") {
    const auto plain = format_progress(loading_snapshot(), 200, false);
    const auto coloured = format_progress(loading_snapshot(), 200, true);
    CHECK_FALSE(has_escape(plain));
    CHECK_THAT(coloured[1], Contains("\x1b[32m########\x1b[2m........\x1b[0m"));
    for (const auto& l : coloured) CHECK(l.find('\r') == std::string::npos);
}

TEST_CASE("progress: many tables at once are capped, a count above the profiled total stays at 100%") {
    ProgressSnapshot s;
    s.phase = "load";
    for (int i = 0; i < 12; ++i) {
        TableProgressSnapshot t{std::to_string(i), 50, 40, TableState::loading, 1.0};
        s.tables.push_back(std::move(t));
    }
    const auto lines = format_progress(s, 120, false, 8);
    REQUIRE(lines.size() == 10);
    CHECK_THAT(lines[0], Contains("100%") && Contains("600/600 rows"));
    CHECK(lines[9] == "  ... 4 more tables loading");
}

TEST_CASE("progress: LoadProgress reports what the workers stored") {
    LoadProgress p;
    CHECK(p.snapshot().tables.empty());
    p.set_phase("load");
    p.begin_load({"a", "b"}, {10, 20});
    p.table_started(1);
    p.table_rows(1, 7);
    p.table_done(0, 10);
    const auto s = p.snapshot();
    CHECK(s.phase == "load");
    REQUIRE(s.tables.size() == 2);
    CHECK(s.tables[0].state == TableState::done);
    CHECK(s.tables[0].rows == 10);
    CHECK(s.tables[1].state == TableState::loading);
    CHECK(s.tables[1].rows == 7);
    CHECK(s.tables[1].total == 20);
}

TEST_CASE("progress: short counts") {
    CHECK(short_count(0) == "0");
    CHECK(short_count(9999) == "9999");
    CHECK(short_count(12345) == "12.3k");
    CHECK(short_count(1234567) == "1.23M");
}

}  // namespace
}  // namespace aaiti::migrate
