#pragma once
// Parsing SQLite values and writing them the way PostgreSQL reads them back. Pure functions: the type
// inference tests pin them without any database.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aaiti::migrate {

// "-42" -> -42; anything else (spaces, "4.0", overflow) -> nullopt.
std::optional<std::int64_t> parse_integer_text(std::string_view text);
// A decimal/scientific number or Infinity/-Infinity/inf/NaN (any case): what double precision accepts.
std::optional<double> parse_double_text(std::string_view text);
// What numeric accepts: decimal/scientific numbers, NaN, Infinity.
bool is_numeric_text(std::string_view text);

// Microseconds since 1970-01-01T00:00:00Z. Accepts ISO 8601 dates and date-times with 'T' or a space,
// optional seconds and fraction, and an optional zone (Z, +HH, +HH:MM, +HHMM; none means UTC), and
// Unix epoch numbers (seconds, or milliseconds when |n| >= 1e11). Nullopt when it is none of these.
std::optional<std::int64_t> parse_timestamp_text(std::string_view text);
std::int64_t epoch_number_to_micros(double epoch);
// "2009-01-01T00:00:00.000000Z": one fixed form, read by PostgreSQL and compared by --verify.
std::string format_timestamp_micros(std::int64_t micros);

// Shortest text that reads back as the same double; Infinity, -Infinity and NaN spelled as PostgreSQL does.
std::string format_double(double value);
// Numbers compared by value: "1.50" and "1.5" and "1.5e0" agree. Non-numbers are returned unchanged.
std::string normalise_number_text(std::string_view text);

bool is_json_text(std::string_view text);
// Parsed and dumped again (sorted keys, no spaces): how --verify compares jsonb with its source.
std::string canonical_json(std::string_view text);

// "\x00ff..." as bytea input text.
std::string bytea_hex(const void* data, std::size_t size);

// Removes NUL bytes (PostgreSQL text cannot hold them); returns how many were removed.
std::size_t strip_nul_bytes(std::string& text);

}  // namespace aaiti::migrate
