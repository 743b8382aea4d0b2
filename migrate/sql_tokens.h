#pragma once
// A SQLite SQL text cut into tokens, just enough to requote identifiers and find clauses in the CREATE
// statements migrate translates (index_translation.h, triggers.h). Not a parser: strings, quoted
// identifiers ("x", [x], `x`), words and single characters; runs of white space and comments become one " ".
#include <string>
#include <vector>

namespace aaiti::migrate {

enum class TokenKind { word, quoted_identifier, string, other };

struct Token {
    TokenKind kind;
    std::string text;  // identifier name for quoted identifiers, raw text otherwise (" " for white space)
};

std::vector<Token> tokenize_sql(const std::string& sql);

// A bare word equal to `word`, case-insensitively (SQLite keywords are).
bool is_word(const Token& token, const char* word);

}  // namespace aaiti::migrate
