#include "backup/backup_id.h"

#include <sodium.h>

#include <cstdio>
#include <ctime>

#include "common/error.h"

namespace aaiti::backup {
namespace {

bool all_digits(std::string_view s) {
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return !s.empty();
}

int to_int(std::string_view s) {
    int v = 0;
    for (char c : s) v = v * 10 + (c - '0');
    return v;
}

std::int64_t utc_seconds(int year, int month, int day, int hour, int minute, int second) {
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    return static_cast<std::int64_t>(::timegm(&tm));
}

}  // namespace

std::string make_backup_id(std::int64_t unix_ms) {
    const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
    std::tm tm{};
    ::gmtime_r(&seconds, &tm);
    // The milliseconds (3 hex digits, at most 3e7) keep two backups started in the same second in
    // start order; one random digit is left for the rare same-millisecond start.
    const auto milliseconds = static_cast<unsigned>(((unix_ms % 1000) + 1000) % 1000);
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    const unsigned random_digit = randombytes_uniform(16);
    char id[64];
    std::snprintf(id, sizeof id, "%04d%02d%02dT%02d%02d%02dZ-%03x%x", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, milliseconds, random_digit);
    return id;
}

bool is_backup_id(std::string_view text) {
    if (text.size() != 21 || text[8] != 'T' || text[15] != 'Z' || text[16] != '-') return false;
    if (!all_digits(text.substr(0, 8)) || !all_digits(text.substr(9, 6))) return false;
    for (char c : text.substr(17))
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

std::optional<std::int64_t> backup_id_time(std::string_view id) {
    if (!is_backup_id(id)) return std::nullopt;
    return utc_seconds(to_int(id.substr(0, 4)), to_int(id.substr(4, 2)), to_int(id.substr(6, 2)), to_int(id.substr(9, 2)),
                       to_int(id.substr(11, 2)), to_int(id.substr(13, 2)));
}

std::int64_t parse_time_argument(std::string_view text) {
    if (const auto from_id = backup_id_time(text)) return *from_id;
    const auto bad = [&] {
        return UsageError("--at \"" + std::string(text) +
                          "\" is not a time; use 2026-11-26T01:30:00Z, \"2026-11-26 01:30\", 2026-11-26 or a backup id");
    };
    // YYYY-MM-DD
    if (text.size() < 10 || text[4] != '-' || text[7] != '-' || !all_digits(text.substr(0, 4)) ||
        !all_digits(text.substr(5, 2)) || !all_digits(text.substr(8, 2)))
        throw bad();
    const int year = to_int(text.substr(0, 4)), month = to_int(text.substr(5, 2)), day = to_int(text.substr(8, 2));
    if (month < 1 || month > 12 || day < 1 || day > 31) throw bad();
    int hour = 0, minute = 0, second = 0;
    std::string_view rest = text.substr(10);
    if (rest.empty()) {  // a day: all of it, so that day's backups are chosen
        hour = 23;
        minute = 59;
        second = 59;
    } else {
        if (rest[0] != 'T' && rest[0] != ' ') throw bad();
        rest.remove_prefix(1);
        if (rest.size() < 5 || rest[2] != ':' || !all_digits(rest.substr(0, 2)) || !all_digits(rest.substr(3, 2)))
            throw bad();
        hour = to_int(rest.substr(0, 2));
        minute = to_int(rest.substr(3, 2));
        rest.remove_prefix(5);
        if (rest.size() >= 3 && rest[0] == ':' && all_digits(rest.substr(1, 2))) {
            second = to_int(rest.substr(1, 2));
            rest.remove_prefix(3);
        }
        if (hour > 23 || minute > 59 || second > 60) throw bad();
    }
    std::int64_t offset_seconds = 0;
    if (rest == "Z" || rest.empty()) {
    } else if ((rest[0] == '+' || rest[0] == '-') && rest.size() == 6 && rest[3] == ':' &&
               all_digits(rest.substr(1, 2)) && all_digits(rest.substr(4, 2))) {
        offset_seconds = (to_int(rest.substr(1, 2)) * 3600 + to_int(rest.substr(4, 2)) * 60) * (rest[0] == '+' ? 1 : -1);
    } else {
        throw bad();
    }
    return utc_seconds(year, month, day, hour, minute, second) - offset_seconds;
}

}  // namespace aaiti::backup
