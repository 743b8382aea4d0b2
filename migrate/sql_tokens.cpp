#include "migrate/sql_tokens.h"

#include <cctype>
#include <strings.h>

namespace aaiti::migrate {

std::vector<Token> tokenize_sql(const std::string& s) {
    std::vector<Token> out;
    const auto space = [&] {
        if (out.empty() || out.back().text != " ") out.push_back({TokenKind::other, " "});
    };
    std::size_t i = 0;
    while (i < s.size()) {
        const char c = s[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            space();
            while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
            continue;
        }
        // Comments carry no meaning for a translation; PostgreSQL reads the same two forms anyway.
        if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
            while (i < s.size() && s[i] != '\n') ++i;
            space();
            continue;
        }
        if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
            const auto end = s.find("*/", i + 2);
            i = end == std::string::npos ? s.size() : end + 2;
            space();
            continue;
        }
        if (c == '\'') {
            std::size_t j = i + 1;
            while (j < s.size() && !(s[j] == '\'' && (j + 1 >= s.size() || s[j + 1] != '\''))) j += s[j] == '\'' ? 2 : 1;
            out.push_back({TokenKind::string, s.substr(i, j + 1 - i)});
            i = j + 1;
            continue;
        }
        if (c == '"' || c == '`' || c == '[') {
            const char close = c == '[' ? ']' : c;
            std::string name;
            std::size_t j = i + 1;
            while (j < s.size()) {
                if (s[j] == close) {
                    if (close != ']' && j + 1 < s.size() && s[j + 1] == close) {
                        name += close;
                        j += 2;
                        continue;
                    }
                    break;
                }
                name += s[j++];
            }
            out.push_back({TokenKind::quoted_identifier, name});
            i = j + 1;
            continue;
        }
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            std::size_t j = i;
            while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_' || s[j] == '$')) ++j;
            out.push_back({TokenKind::word, s.substr(i, j - i)});
            i = j;
            continue;
        }
        out.push_back({TokenKind::other, std::string(1, c)});
        ++i;
    }
    return out;
}

bool is_word(const Token& t, const char* w) { return t.kind == TokenKind::word && strcasecmp(t.text.c_str(), w) == 0; }

}  // namespace aaiti::migrate
