#include "table.h"


namespace aaiti::cli {
namespace {

// Columns are padded by what a terminal shows, not by bytes: count UTF-8 lead bytes only, and nothing of a
// colour sequence (ESC [ ... m) a cell may carry.
std::size_t display_width(const std::string& s) {
    std::size_t width = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\x1b' && i + 1 < s.size() && s[i + 1] == '[') {
            while (i < s.size() && s[i] != 'm') ++i;
            continue;
        }
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++width;
    }
    return width;
}

void print_row(std::ostream& out, const std::vector<std::string>& row, const std::vector<std::size_t>& widths,
               const char* before, const char* after) {
    out << before;
    for (std::size_t i = 0; i < row.size(); ++i) {
        out << row[i];
        // No trailing blanks after the last column.
        if (i + 1 < row.size()) out << std::string(widths[i] - display_width(row[i]) + 2, ' ');
    }
    out << after << '\n';
}

}  // namespace

void print_table(std::ostream& out, const Table& table, bool color) {
    std::vector<std::size_t> widths(table.header.size(), 0);
    auto widen = [&](const std::vector<std::string>& row) {
        if (widths.size() < row.size()) widths.resize(row.size(), 0);
        for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
    };
    widen(table.header);
    for (const auto& row : table.rows) widen(row);

    if (!table.header.empty()) print_row(out, table.header, widths, color ? "\x1b[1m" : "", color ? "\x1b[0m" : "");
    for (const auto& row : table.rows) print_row(out, row, widths, "", "");
}

}  // namespace aaiti::cli
