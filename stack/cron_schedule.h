#pragma once
// backup.schedule as cron reads it, and when it next fires: the loader checks the stack file's expression
// with parse(), the native supervisor asks next_after() when to run the backup.
#include <bitset>
#include <chrono>
#include <string>
#include <string_view>

namespace aaiti::stack {

// A 5-field cron expression (minute hour day-of-month month day-of-week), as crontab(5) reads it: *, lists,
// ranges, steps (*/15, 1-10/2), month and weekday names (jan, mon), 7 = Sunday, and the day-of-month/day-of-week
// OR rule when both are restricted; plus @hourly @daily @midnight @weekly @monthly @yearly @annually.
class CronSchedule {
public:
    // Throws ConfigError (common/error.h) naming the field and the bad text: `cron "0 25 * * *": hour: 25 is out of range 0-23`.
    // A schedule that can never fire (`0 0 30 2 *`) is refused too.
    static CronSchedule parse(std::string_view expression);
    // The first minute strictly after `after` that matches, in local time (the machine's TZ, as cron does).
    // A local time skipped by a DST change does not run; one repeated by it runs once. Throws ConfigError
    // when nothing matches within 8 years (Feb 29 may be 8 years away: 2096, then 2104).
    std::chrono::system_clock::time_point next_after(std::chrono::system_clock::time_point after) const;
    const std::string& expression() const { return expression_; }

private:
    using Bits = std::bitset<64>;  // bit n: value n matches (day-of-month 1-31, month 1-12, weekday 0-6 with 0 Sunday)
    bool day_matches(int day_of_month, int weekday) const;

    std::string expression_;
    Bits minutes_, hours_, days_of_month_, months_, weekdays_;
    // A field written with a leading '*' (as cronie decides it): then a day must match both day fields;
    // when both are restricted, either one is enough.
    bool any_day_of_month_ = false, any_weekday_ = false;
};

}  // namespace aaiti::stack
