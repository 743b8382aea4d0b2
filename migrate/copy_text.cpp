#include "migrate/copy_text.h"

namespace aaiti::migrate {

void append_copy_field(std::string& line, const std::optional<std::string>& value) {
    if (!value) {
        line += "\\N";
        return;
    }
    // Most values need no escaping: copy runs between special characters in one go.
    const std::string& v = *value;
    std::size_t run = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const char c = v[i];
        const char* escaped = c == '\\' ? "\\\\" : c == '\t' ? "\\t" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : nullptr;
        if (!escaped) continue;
        line.append(v, run, i - run);
        line += escaped;
        run = i + 1;
    }
    line.append(v, run, v.size() - run);
}

void append_copy_row(std::string& out, const std::vector<std::optional<std::string>>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) out += '\t';
        append_copy_field(out, fields[i]);
    }
    out += '\n';
}

void split_copy_row_in_place(std::string& line, std::vector<std::optional<std::string_view>>& fields) {
    fields.clear();
    char* const base = line.data();
    std::size_t w = 0, field_start = 0;
    bool is_null = false;
    auto finish = [&] {
        if (is_null)
            fields.emplace_back(std::nullopt);
        else
            fields.emplace_back(std::string_view(base + field_start, w - field_start));
        field_start = w;
        is_null = false;
    };
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (c == '\t') {
            finish();
            continue;
        }
        if (c != '\\' || i + 1 >= line.size()) {
            base[w++] = c;
            continue;
        }
        const char e = line[++i];
        switch (e) {
            case 'N': is_null = true; break;
            case 't': base[w++] = '\t'; break;
            case 'n': base[w++] = '\n'; break;
            case 'r': base[w++] = '\r'; break;
            case 'b': base[w++] = '\b'; break;
            case 'f': base[w++] = '\f'; break;
            case 'v': base[w++] = '\v'; break;
            default: base[w++] = e;  // \\ and any escaped character stand for themselves
        }
    }
    finish();
}

}  // namespace aaiti::migrate
