#pragma once
// PostgreSQL COPY text format, both ways: fields separated by tabs, rows by newlines, NULL as \N, and
// backslash, tab, newline and carriage return escaped. Pure functions (unit-tested).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aaiti::migrate {

void append_copy_field(std::string& line, const std::optional<std::string>& value);
// Appends one row (fields, tabs, trailing newline) to `out`.
void append_copy_row(std::string& out, const std::vector<std::optional<std::string>>& fields);
// Parses one row without its trailing newline.
std::vector<std::optional<std::string>> parse_copy_row(std::string_view line);

}  // namespace aaiti::migrate
