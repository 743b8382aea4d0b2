#include "migrate/value_format.h"

#include "migrate/canonical_json.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <strings.h>

namespace aaiti::migrate {
namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp + (mp < 10 ? 3 : -9);
    y += m <= 2;
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& value) {
    if (pos + n > s.size()) return false;
    value = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
        value = value * 10 + (s[i] - '0');
    }
    return true;
}

}  // namespace

std::optional<std::int64_t> parse_integer_text(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::int64_t v = 0;
    const char* begin = text.data();
    if (*begin == '+') ++begin;
    const auto [end, ec] = std::from_chars(begin, text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || begin == end) return std::nullopt;
    return v;
}

std::optional<double> parse_double_text(std::string_view text) {
    if (text.empty() || std::isspace(static_cast<unsigned char>(text.front())) ||
        std::isspace(static_cast<unsigned char>(text.back())))
        return std::nullopt;
    std::string_view body = text;
    bool negative = false;
    if (body.front() == '-' || body.front() == '+') {
        negative = body.front() == '-';
        body.remove_prefix(1);
    }
    if (iequals(body, "inf") || iequals(body, "infinity"))
        return negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    if (iequals(body, "nan")) return std::numeric_limits<double>::quiet_NaN();
    // strtod would also accept hex floats and "infinity" prefixes; only plain decimal forms pass here.
    if (body.empty() || !(std::isdigit(static_cast<unsigned char>(body.front())) || body.front() == '.')) return std::nullopt;
    if (body.find_first_not_of("0123456789.eE+-") != std::string_view::npos) return std::nullopt;
    const std::string copy(text);
    char* end = nullptr;
    const double v = std::strtod(copy.c_str(), &end);
    if (end != copy.c_str() + copy.size()) return std::nullopt;
    return v;
}

bool is_numeric_text(std::string_view text) { return parse_double_text(text).has_value(); }

std::int64_t epoch_number_to_micros(double epoch) {
    const double seconds = std::fabs(epoch) >= 1e11 ? epoch / 1000.0 : epoch;
    return static_cast<std::int64_t>(std::llround(seconds * 1e6));
}

std::optional<std::int64_t> parse_timestamp_text(std::string_view s) {
    if (s.empty()) return std::nullopt;
    // A bare number is a Unix epoch (seconds or milliseconds).
    if (s.find_first_not_of("0123456789.-+") == std::string_view::npos && s.find('-', 1) == std::string_view::npos) {
        if (const auto d = parse_double_text(s); d && std::isfinite(*d)) return epoch_number_to_micros(*d);
        return std::nullopt;
    }
    int year = 0, month = 0, day = 0;
    if (!digits(s, 0, 4, year) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, month) || s[7] != '-' ||
        !digits(s, 8, 2, day))
        return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
    std::int64_t micros = 0;
    std::size_t pos = 10;
    if (pos < s.size()) {
        if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
        ++pos;
        int hour = 0, minute = 0, second = 0;
        if (!digits(s, pos, 2, hour) || pos + 2 >= s.size() || s[pos + 2] != ':' || !digits(s, pos + 3, 2, minute))
            return std::nullopt;
        pos += 5;
        if (pos < s.size() && s[pos] == ':') {
            if (!digits(s, pos + 1, 2, second)) return std::nullopt;
            pos += 3;
            if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
                ++pos;
                std::int64_t frac = 0;
                int n = 0;
                while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
                    if (n < 6) frac = frac * 10 + (s[pos] - '0');
                    ++n;
                    ++pos;
                }
                if (n == 0) return std::nullopt;
                for (int i = n; i < 6; ++i) frac *= 10;
                micros += frac;
            }
        }
        if (hour > 24 || minute > 59 || second > 60) return std::nullopt;
        micros += (static_cast<std::int64_t>(hour) * 3600 + minute * 60 + second) * 1000000;
        // Zone: Z, +HH, +HH:MM, +HHMM (a space before it is tolerated, as SQLite writes none).
        if (pos < s.size() && s[pos] == ' ') ++pos;
        if (pos < s.size()) {
            if (s[pos] == 'Z' || s[pos] == 'z') {
                ++pos;
            } else if (s[pos] == '+' || s[pos] == '-') {
                const int sign = s[pos] == '-' ? -1 : 1;
                int zh = 0, zm = 0;
                if (!digits(s, pos + 1, 2, zh)) return std::nullopt;
                pos += 3;
                if (pos < s.size() && s[pos] == ':') ++pos;
                if (pos < s.size()) {
                    if (!digits(s, pos, 2, zm)) return std::nullopt;
                    pos += 2;
                }
                micros -= sign * (static_cast<std::int64_t>(zh) * 3600 + zm * 60) * 1000000;
            } else {
                return std::nullopt;
            }
        }
        if (pos != s.size()) return std::nullopt;
    }
    return days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400LL * 1000000LL + micros;
}

std::string format_timestamp_micros(std::int64_t micros) {
    std::int64_t days = micros / 86400000000LL;
    std::int64_t rest = micros % 86400000000LL;
    if (rest < 0) {
        rest += 86400000000LL;
        --days;
    }
    std::int64_t y = 0;
    unsigned m = 0, d = 0;
    civil_from_days(days, y, m, d);
    const std::int64_t secs = rest / 1000000, us = rest % 1000000;
    if (y < 0 || y > 9999) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ", static_cast<long long>(y), m, d,
                      static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                      static_cast<long long>(secs % 60), static_cast<long long>(us));
        return buf;
    }
    // The common case by hand: snprintf showed in load profiles.
    std::string out = "0000-00-00T00:00:00.000000Z";
    auto put = [&](std::size_t pos, std::int64_t v, int width) {
        for (int i = width - 1; i >= 0; --i, v /= 10) out[pos + static_cast<std::size_t>(i)] = static_cast<char>('0' + v % 10);
    };
    put(0, y, 4), put(5, m, 2), put(8, d, 2), put(11, secs / 3600, 2), put(14, secs / 60 % 60, 2), put(17, secs % 60, 2), put(20, us, 6);
    return out;
}

std::string format_double(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
    char buf[64];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    return ec == std::errc() ? std::string(buf, end) : std::to_string(value);
}

std::string normalise_number_text(std::string_view text) {
    const auto d = parse_double_text(text);
    if (!d) return std::string(text);
    // Exact decimal texts keep every digit (numeric is exact): only trailing zeros of a fraction go.
    if (text.find_first_of("eEnNiI") == std::string_view::npos) {
        std::string s(text);
        if (!s.empty() && s.front() == '+') s.erase(0, 1);
        if (s.find('.') != std::string::npos) {
            while (!s.empty() && s.back() == '0') s.pop_back();
            if (!s.empty() && s.back() == '.') s.pop_back();
        }
        if (s == "-0") s = "0";
        return s.empty() ? "0" : s;
    }
    return format_double(*d);
}

bool is_json_text(std::string_view text) { return nlohmann::json::accept(text); }

std::string canonical_json(std::string_view text) {
    if (std::string out; append_canonical_json_fast(text, out)) return out;
    const auto parsed = nlohmann::json::parse(text, nullptr, false);
    if (parsed.is_discarded()) return std::string(text);
    return parsed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string bytea_hex(const void* data, std::size_t size) {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 + size * 2);
    out += "\\x";
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) {
        out += k_hex[p[i] >> 4];
        out += k_hex[p[i] & 0x0F];
    }
    return out;
}

std::size_t strip_nul_bytes(std::string& text) {
    const auto before = text.size();
    text.erase(std::remove(text.begin(), text.end(), '\0'), text.end());
    return before - text.size();
}

}  // namespace aaiti::migrate
