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
// Splits one row (without its trailing newline) in place: unescaping never lengthens a field, so each
// field is rewritten over the line itself and `fields` holds views into it (nullopt for \N). No
// allocation per row; the views live as long as `line` is unchanged.
void split_copy_row_in_place(std::string& line, std::vector<std::optional<std::string_view>>& fields);

}  // namespace aaiti::migrate
