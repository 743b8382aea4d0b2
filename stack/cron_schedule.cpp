#include "stack/cron_schedule.h"

#include <charconv>
#include <ctime>
#include <sstream>
#include <vector>

#include "common/error.h"

namespace aaiti::stack {
namespace {

struct Field {
    const char* name;
    int min, max;
    std::vector<std::string_view> names;  // names[i] stands for min + i ("jan" = 1, "sun" = 0)
};

const Field k_minute{"minute", 0, 59, {}};
const Field k_hour{"hour", 0, 23, {}};
const Field k_day_of_month{"day-of-month", 1, 31, {}};
const Field k_month{"month", 1, 12, {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}};
const Field k_weekday{"day-of-week", 0, 7, {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}};  // 7 is Sunday again

// What the @ shorthands stand for (crontab(5)).
std::string_view expand_shorthand(std::string_view text) {
    if (text == "@hourly") return "0 * * * *";
    if (text == "@daily" || text == "@midnight") return "0 0 * * *";
    if (text == "@weekly") return "0 0 * * 0";
    if (text == "@monthly") return "0 0 1 * *";
    if (text == "@yearly" || text == "@annually") return "0 0 1 1 *";
    return {};
}

class FieldParser {
public:
    FieldParser(std::string_view expression, const Field& field) : expression_(expression), field_(field) {}

    [[noreturn]] void fail(const std::string& what) const {
        throw ConfigError("cron \"" + std::string(expression_) + "\": " + field_.name + ": " + what);
    }

    // "*", "5", "mon-fri", "*/15", "1-10/2", "5/10" (5 to the end, every 10), comma-separated.
    std::bitset<64> parse(std::string_view text) const {
        std::bitset<64> bits;
        std::size_t start = 0;
        while (true) {
            const std::size_t comma = text.find(',', start);
            const std::string_view item = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
            if (item.empty()) fail("empty list item in \"" + std::string(text) + "\"");
            add_item(item, bits);
            if (comma == std::string_view::npos) return bits;
            start = comma + 1;
        }
    }

private:
    void add_item(std::string_view item, std::bitset<64>& bits) const {
        const std::size_t slash = item.find('/');
        const std::string_view range = item.substr(0, slash);
        int step = 1;
        if (slash != std::string_view::npos) {
            const std::string_view step_text = item.substr(slash + 1);
            if (!to_int(step_text, step) || step < 1) fail("step \"" + std::string(step_text) + "\" is not a positive number");
        }
        int low = field_.min, high = field_.max;
        if (range != "*") {
            const std::size_t dash = range.find('-');
            low = value(range.substr(0, dash));
            if (dash != std::string_view::npos) high = value(range.substr(dash + 1));
            else if (slash == std::string_view::npos) high = low;  // "5" alone; "5/10" runs to the field's end
            if (low > high) fail("range \"" + std::string(range) + "\" goes backwards");
        }
        for (int v = low; v <= high; v += step) bits.set(field_.max == 7 && v == 7 ? 0 : v);
    }

    // A number in the field's range, or one of its names (any case).
    int value(std::string_view text) const {
        int v = 0;
        if (to_int(text, v)) {
            if (v < field_.min || v > field_.max)
                fail(std::string(text) + " is out of range " + std::to_string(field_.min) + "-" + std::to_string(field_.max));
            return v;
        }
        std::string lower;
        for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        for (std::size_t i = 0; i < field_.names.size(); ++i)
            if (field_.names[i] == lower) return field_.min + static_cast<int>(i);
        std::string what = "\"" + std::string(text) + "\" is not a number";
        if (!field_.names.empty())
            what += " or a name (" + std::string(field_.names.front()) + "-" + std::string(field_.names.back()) + ")";
        fail(what);
    }

    static bool to_int(std::string_view text, int& out) {
        const auto r = std::from_chars(text.data(), text.data() + text.size(), out);
        return !text.empty() && r.ec == std::errc() && r.ptr == text.data() + text.size();
    }

    std::string_view expression_;
    const Field& field_;
};

int days_in_month_at_most(int month) { return month == 2 ? 29 : (month == 4 || month == 6 || month == 9 || month == 11) ? 30 : 31; }

}  // namespace

CronSchedule CronSchedule::parse(std::string_view expression) {
    CronSchedule c;
    c.expression_ = std::string(expression);
    std::string_view fields_text = expression;
    if (!expression.empty() && expression[0] == '@') {
        fields_text = expand_shorthand(expression);
        if (fields_text.empty())
            throw ConfigError("cron \"" + c.expression_ +
                              "\": unknown shorthand; expected @hourly, @daily, @midnight, @weekly, @monthly, @yearly or @annually");
    }
    std::vector<std::string> fields;
    std::istringstream words{std::string(fields_text)};
    for (std::string word; words >> word;) fields.push_back(word);
    if (fields.size() != 5)
        throw ConfigError("cron \"" + c.expression_ +
                          "\": expected 5 fields (minute hour day-of-month month day-of-week) or @daily and the like, got " +
                          std::to_string(fields.size()));

    c.minutes_ = FieldParser(expression, k_minute).parse(fields[0]);
    c.hours_ = FieldParser(expression, k_hour).parse(fields[1]);
    c.days_of_month_ = FieldParser(expression, k_day_of_month).parse(fields[2]);
    c.months_ = FieldParser(expression, k_month).parse(fields[3]);
    c.weekdays_ = FieldParser(expression, k_weekday).parse(fields[4]);
    c.any_day_of_month_ = fields[2][0] == '*';
    c.any_weekday_ = fields[4][0] == '*';

    // Only the day of month decides (weekdays unrestricted) and no chosen month has a chosen day: it would
    // never run, and next_after() would only find out years later. Refuse it now.
    if (c.any_weekday_) {
        bool possible = false;
        for (int month = 1; month <= 12; ++month)
            for (int day = 1; day <= days_in_month_at_most(month); ++day)
                possible = possible || (c.months_[month] && c.days_of_month_[day]);
        if (!possible) FieldParser(expression, k_day_of_month).fail("no chosen day occurs in the chosen months");
    }
    return c;
}

bool CronSchedule::day_matches(int day_of_month, int weekday) const {
    const bool dom = days_of_month_[day_of_month], dow = weekdays_[weekday];
    return any_day_of_month_ || any_weekday_ ? dom && dow : dom || dow;
}

// The search walks the wall clock as a plain calendar (UTC arithmetic: no DST), skipping whole months,
// days and hours that cannot match, then asks mktime which instant that local time is. A local time that
// does not exist (the DST gap) comes back with other fields and is skipped; one that exists twice resolves
// to a single instant, so it runs once.
std::chrono::system_clock::time_point CronSchedule::next_after(std::chrono::system_clock::time_point after) const {
    const std::time_t after_t = std::chrono::system_clock::to_time_t(after);
    std::tm local{};
    localtime_r(&after_t, &local);
    local.tm_sec = 0;
    std::time_t wall = timegm(&local) + 60;  // the next whole minute of the wall clock, as calendar seconds
    const std::time_t limit = wall + 8LL * 366 * 24 * 3600;
    while (wall <= limit) {
        std::tm f{};
        gmtime_r(&wall, &f);
        if (!months_[f.tm_mon + 1]) {  // to the first minute of the next month
            f.tm_mon += 1;
            f.tm_mday = 1;
            f.tm_hour = f.tm_min = 0;
            wall = timegm(&f);
        } else if (!day_matches(f.tm_mday, f.tm_wday)) {
            wall += 24 * 3600 - f.tm_hour * 3600 - f.tm_min * 60;
        } else if (!hours_[f.tm_hour]) {
            wall += 3600 - f.tm_min * 60;
        } else if (!minutes_[f.tm_min]) {
            wall += 60;
        } else {
            std::tm candidate = f;
            candidate.tm_isdst = -1;
            const std::time_t t = std::mktime(&candidate);
            if (t != -1 && t > after_t && candidate.tm_hour == f.tm_hour && candidate.tm_min == f.tm_min && candidate.tm_mday == f.tm_mday)
                return std::chrono::system_clock::from_time_t(t);
            wall += 60;
        }
    }
    throw ConfigError("cron \"" + expression_ + "\": no matching time within 8 years");
}

}  // namespace aaiti::stack
