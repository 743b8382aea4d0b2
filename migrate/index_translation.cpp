#include "migrate/index_translation.h"

#include <cctype>
#include <strings.h>

#include "migrate/sql.h"
#include "migrate/sql_tokens.h"

namespace aaiti::migrate {
namespace {

const std::string* find_column(const std::vector<std::string>& columns, const std::string& name) {
    for (const auto& c : columns)
        if (strcasecmp(c.c_str(), name.c_str()) == 0) return &c;
    return nullptr;
}

std::string render(const std::vector<Token>& tokens, std::size_t begin, std::size_t end, const std::vector<std::string>& columns) {
    std::string out;
    for (std::size_t i = begin; i < end; ++i) {
        const Token& t = tokens[i];
        if (t.kind == TokenKind::quoted_identifier) {
            const std::string* col = find_column(columns, t.text);
            out += sql::pg_quote(col ? *col : t.text);
        } else if (t.kind == TokenKind::word) {
            // A bare word followed by "(" is a function; otherwise a column if the table has it.
            std::size_t next = i + 1;
            while (next < end && tokens[next].text == " ") ++next;
            const bool call = next < end && tokens[next].text == "(";
            const std::string* col = call ? nullptr : find_column(columns, t.text);
            out += col ? sql::pg_quote(*col) : t.text;
        } else {
            out += t.text;
        }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    while (!out.empty() && out.front() == ' ') out.erase(0, 1);
    return out;
}

}  // namespace

std::string requote_expression(const std::string& expression, const std::vector<std::string>& table_columns) {
    const auto tokens = tokenize_sql(expression);
    return render(tokens, 0, tokens.size(), table_columns);
}

std::optional<TranslatedIndex> translate_index(const SourceIndex& index, const std::vector<std::string>& table_columns,
                                               std::string& why) {
    TranslatedIndex out;
    if (!index.partial && !index.has_expressions) {
        for (std::size_t i = 0; i < index.columns.size(); ++i) {
            if (index.columns[i].empty()) {
                why = "indexes the rowid, which does not exist in PostgreSQL";
                return std::nullopt;
            }
            out.elements += (i == 0 ? "" : ", ") + sql::pg_quote(index.columns[i]) + (index.descending[i] ? " DESC" : "");
        }
        return out;
    }
    if (index.sql.empty()) {
        why = "no CREATE INDEX text to translate";
        return std::nullopt;
    }
    // CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table ( elements ) [WHERE predicate]
    const auto tokens = tokenize_sql(index.sql);
    std::size_t i = 0;
    while (i < tokens.size() && !is_word(tokens[i], "ON")) ++i;
    while (i < tokens.size() && tokens[i].text != "(") ++i;
    if (i >= tokens.size()) {
        why = "could not find the indexed expressions in its SQL";
        return std::nullopt;
    }
    const std::size_t open = i;
    int depth = 0;
    for (; i < tokens.size(); ++i) {
        if (tokens[i].text == "(") ++depth;
        if (tokens[i].text == ")" && --depth == 0) break;
    }
    if (i >= tokens.size()) {
        why = "unbalanced parentheses in its SQL";
        return std::nullopt;
    }
    out.elements = render(tokens, open + 1, i, table_columns);
    std::size_t w = i + 1;
    while (w < tokens.size() && !is_word(tokens[w], "WHERE")) ++w;
    if (w < tokens.size()) out.where = render(tokens, w + 1, tokens.size(), table_columns);
    while (!out.where.empty() && (out.where.back() == ';' || out.where.back() == ' ')) out.where.pop_back();
    return out;
}

}  // namespace aaiti::migrate
