// CronSchedule: crontab(5) parsing with errors naming the field, and next_after() in local time. The tests
// set TZ themselves (UTC unless a DST case needs a zone), so results do not depend on the machine.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <ctime>
#include <string>

#include "common/error.h"
#include "stack/cron_schedule.h"

using Catch::Matchers::Contains;

namespace aaiti::test {
namespace {

using aaiti::stack::CronSchedule;
using Clock = std::chrono::system_clock;

void use_time_zone(const char* tz) {
    setenv("TZ", tz, 1);
    tzset();
}

// "2026-03-05 02:59" in the current TZ.
Clock::time_point at(const std::string& text) {
    std::tm t{};
    REQUIRE(strptime(text.c_str(), "%Y-%m-%d %H:%M", &t) != nullptr);
    t.tm_isdst = -1;
    return Clock::from_time_t(std::mktime(&t));
}

std::string format(Clock::time_point tp) {
    const std::time_t t = Clock::to_time_t(tp);
    std::tm local{};
    localtime_r(&t, &local);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M %a", &local);
    return buf;
}

std::string next(const std::string& expression, const std::string& after) {
    return format(CronSchedule::parse(expression).next_after(at(after)));
}

std::string parse_error_of(const std::string& expression) {
    try {
        CronSchedule::parse(expression);
    } catch (const ConfigError& e) {
        return e.what();
    }
    FAIL("no ConfigError for \"" << expression << "\"");
    return {};
}

TEST_CASE("cron: a parse error names the expression, the field and the bad text") {
    CHECK(parse_error_of("0 25 * * *") == "cron \"0 25 * * *\": hour: 25 is out of range 0-23");
    CHECK_THAT(parse_error_of("60 * * * *"), Contains("minute: 60 is out of range 0-59"));
    CHECK_THAT(parse_error_of("0 0 0 * *"), Contains("day-of-month: 0 is out of range 1-31"));
    CHECK_THAT(parse_error_of("0 0 * foo *"), Contains("month: \"foo\" is not a number or a name (jan-dec)"));
    CHECK_THAT(parse_error_of("0 0 * * 8"), Contains("day-of-week: 8 is out of range 0-7"));
    CHECK_THAT(parse_error_of("*/0 * * * *"), Contains("minute: step \"0\" is not a positive number"));
    CHECK_THAT(parse_error_of("0 10-2 * * *"), Contains("hour: range \"10-2\" goes backwards"));
    CHECK_THAT(parse_error_of("1,,2 * * * *"), Contains("minute: empty list item"));
    CHECK_THAT(parse_error_of("0 3 * *"), Contains("expected 5 fields") && Contains("got 4"));
    CHECK_THAT(parse_error_of("daily"), Contains("expected 5 fields"));
    CHECK_THAT(parse_error_of("@often"), Contains("unknown shorthand"));
    CHECK_THAT(parse_error_of("0 0 30 2 *"), Contains("day-of-month: no chosen day occurs in the chosen months"));
    CHECK(CronSchedule::parse("0 3 * * *").expression() == "0 3 * * *");
}

TEST_CASE("cron: 0 3 * * * runs at 03:00 the same day, then the next day") {
    use_time_zone("UTC");
    CHECK(next("0 3 * * *", "2026-03-05 02:59") == "2026-03-05 03:00 Thu");
    CHECK(next("0 3 * * *", "2026-03-05 03:00") == "2026-03-06 03:00 Fri");
    CHECK(next("0 3 * * *", "2026-12-31 23:59") == "2027-01-01 03:00 Fri");
    // Strictly after: seconds into the minute of a match do not make it match again.
    const auto schedule = CronSchedule::parse("* * * * *");
    CHECK(format(schedule.next_after(at("2026-03-05 10:00") + std::chrono::seconds(30))) == "2026-03-05 10:01 Thu");
}

TEST_CASE("cron: steps, ranges with steps, lists and names") {
    use_time_zone("UTC");
    CHECK(next("*/15 * * * *", "2026-03-05 10:01") == "2026-03-05 10:15 Thu");
    CHECK(next("*/15 * * * *", "2026-03-05 10:45") == "2026-03-05 11:00 Thu");
    CHECK(next("0 1-10/3 * * *", "2026-03-05 04:00") == "2026-03-05 07:00 Thu");
    CHECK(next("0 1-10/3 * * *", "2026-03-05 10:00") == "2026-03-06 01:00 Fri");
    CHECK(next("5/20 * * * *", "2026-03-05 10:30") == "2026-03-05 10:45 Thu");
    CHECK(next("0 9,17 * * *", "2026-03-05 09:00") == "2026-03-05 17:00 Thu");
    CHECK(next("30 8 * * MON-fri", "2026-03-06 09:00") == "2026-03-09 08:30 Mon");  // Friday after 08:30
    CHECK(next("0 0 1 jun,DEC *", "2026-03-05 00:00") == "2026-06-01 00:00 Mon");
}

TEST_CASE("cron: day-of-week 7 is Sunday, like 0") {
    use_time_zone("UTC");
    CHECK(next("0 12 * * 7", "2026-03-05 00:00") == "2026-03-08 12:00 Sun");
    CHECK(next("0 12 * * 0", "2026-03-05 00:00") == "2026-03-08 12:00 Sun");
    CHECK(next("0 12 * * 5-7", "2026-03-07 13:00") == "2026-03-08 12:00 Sun");
}

TEST_CASE("cron: with both day fields restricted either one matches; with one a '*' both must") {
    use_time_zone("UTC");
    // The 13th or any Friday: 2026-03-06 is a Friday, before the 13th.
    CHECK(next("0 0 13 * 5", "2026-03-05 00:00") == "2026-03-06 00:00 Fri");
    CHECK(next("0 0 13 * 5", "2026-03-10 00:00") == "2026-03-13 00:00 Fri");
    CHECK(next("0 0 15 * 1", "2026-03-10 00:00") == "2026-03-15 00:00 Sun");
    // A '*'-led field does not widen the other: */2 weekdays AND the 15th.
    CHECK(next("0 0 15 * */2", "2026-03-01 00:00") == "2026-03-15 00:00 Sun");  // OR would give 03-03, a Tuesday
}

TEST_CASE("cron: shorthands") {
    use_time_zone("UTC");
    CHECK(next("@daily", "2026-03-05 10:00") == "2026-03-06 00:00 Fri");
    CHECK(next("@midnight", "2026-03-05 10:00") == "2026-03-06 00:00 Fri");
    CHECK(next("@hourly", "2026-03-05 10:00") == "2026-03-05 11:00 Thu");
    CHECK(next("@weekly", "2026-03-05 10:00") == "2026-03-08 00:00 Sun");
    CHECK(next("@monthly", "2026-03-05 10:00") == "2026-04-01 00:00 Wed");
    CHECK(next("@yearly", "2026-03-05 10:00") == "2027-01-01 00:00 Fri");
    CHECK(next("@annually", "2026-03-05 10:00") == "2027-01-01 00:00 Fri");
}

TEST_CASE("cron: Feb 29 is found in the next leap year, 8 years away across 2100") {
    use_time_zone("UTC");
    CHECK(next("0 0 29 2 *", "2026-03-05 00:00") == "2028-02-29 00:00 Tue");
    CHECK(next("0 0 29 2 *", "2096-03-01 00:00") == "2104-02-29 00:00 Fri");
}

TEST_CASE("cron: a local time skipped by DST does not run, a repeated one runs once") {
    use_time_zone("Europe/Berlin");  // 2026-03-29 02:00 -> 03:00; 2026-10-25 03:00 -> 02:00
    CHECK(next("30 2 * * *", "2026-03-28 12:00") == "2026-03-30 02:30 Mon");
    const auto schedule = CronSchedule::parse("30 2 * * *");
    const auto first = schedule.next_after(at("2026-10-25 00:00"));
    CHECK(format(first) == "2026-10-25 02:30 Sun");
    CHECK(format(schedule.next_after(first)) == "2026-10-26 02:30 Mon");
    use_time_zone("UTC");
}

}  // namespace
}  // namespace aaiti::test
