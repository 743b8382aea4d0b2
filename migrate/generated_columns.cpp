#include "migrate/generated_columns.h"

#include <optional>
#include <strings.h>

#include "common/error.h"
#include "migrate/index_translation.h"
#include "migrate/pg_connection.h"
#include "migrate/sql.h"
#include "migrate/sql_tokens.h"

namespace aaiti::migrate {
namespace {

bool is_space(const Token& t) { return t.kind == TokenKind::other && t.text == " "; }

std::string render(const std::vector<Token>& tokens, std::size_t begin, std::size_t end) {
    std::string out;
    for (std::size_t i = begin; i < end; ++i) {
        if (tokens[i].kind == TokenKind::quoted_identifier)
            out += sql::pg_quote(tokens[i].text);  // requoted again by translate_generation_expression
        else
            out += tokens[i].text;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    while (!out.empty() && out.front() == ' ') out.erase(0, 1);
    return out;
}

std::vector<sql::PgColumnDef> probe_columns(const TablePlan& t, std::size_t candidate) {
    std::vector<sql::PgColumnDef> defs;
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        const ColumnPlan& c = t.columns[i];
        // Columns already accepted stay generated: PostgreSQL refuses one generated column reading another.
        const bool generated = i == candidate || (i < candidate && !c.generated_expression.empty());
        defs.push_back({c.name, c.type(), false, generated ? c.generated_expression : std::string()});
    }
    return defs;
}

}  // namespace

std::string generation_expression(const std::string& create_table_sql, const std::string& column) {
    const auto tokens = tokenize_sql(create_table_sql);
    std::size_t i = 0;
    while (i < tokens.size() && tokens[i].text != "(") ++i;
    // Each column definition starts after "(" or a top-level ",": find the one naming `column`.
    int depth = 0;
    bool at_start = true;
    for (++i; i < tokens.size(); ++i) {
        const Token& t = tokens[i];
        if (is_space(t)) continue;
        if (at_start) {
            at_start = false;
            if ((t.kind == TokenKind::word || t.kind == TokenKind::quoted_identifier) && strcasecmp(t.text.c_str(), column.c_str()) == 0) {
                // The expression is the parenthesised group after the first top-level AS of the definition.
                int d = 0;
                for (std::size_t j = i + 1; j < tokens.size(); ++j) {
                    if (tokens[j].text == "(") ++d;
                    if (tokens[j].text == ")") --d;
                    if (d < 0 || (d == 0 && tokens[j].text == ",")) return {};
                    if (d != 0 || !is_word(tokens[j], "AS")) continue;
                    std::size_t open = j + 1;
                    while (open < tokens.size() && is_space(tokens[open])) ++open;
                    if (open >= tokens.size() || tokens[open].text != "(") return {};
                    int e = 0;
                    for (std::size_t k = open; k < tokens.size(); ++k) {
                        if (tokens[k].text == "(") ++e;
                        if (tokens[k].text == ")" && --e == 0) return render(tokens, open + 1, k);
                    }
                    return {};
                }
                return {};
            }
        }
        if (t.text == "(") ++depth;
        if (t.text == ")" && --depth < 0) break;
        if (depth == 0 && t.text == ",") at_start = true;
    }
    return {};
}

std::string translate_generation_expression(const TablePlan& table, const std::string& sqlite_expression) {
    std::vector<std::string> names;
    for (const auto& c : table.columns) names.push_back(c.name);
    return requote_expression(sqlite_expression, names);
}

void note_planned_generated_columns(MigrationPlan& plan) {
    for (auto& t : plan.tables)
        for (auto& c : t.columns)
            if (!c.generated_expression.empty())
                c.decision.coercions.push_back("generated (" + c.generated + " in SQLite): GENERATED ALWAYS AS (" + c.generated_expression +
                                               ") STORED if PostgreSQL accepts the expression, else its values loaded as a plain column");
}

void settle_generated_columns(const std::string& target_url, MigrationPlan& plan, const std::string& schema) {
    std::optional<PgConnection> pg;
    for (auto& t : plan.tables) {
        for (std::size_t i = 0; i < t.columns.size(); ++i) {
            ColumnPlan& c = t.columns[i];
            if (c.generated_expression.empty()) continue;
            if (!pg) {
                pg.emplace(target_url);
                pg->exec(sql::pg_set_search_path(schema), "setting the search path for generated columns");
            }
            const std::string what = "checking generated column \"" + t.name + "\".\"" + c.name + "\"";
            std::string refused;
            try {
                pg->exec(std::string(sql::k_pg_begin), what);
                pg->exec(sql::pg_create_probe_table(probe_columns(t, i)), what);
                pg->exec(std::string(sql::k_pg_rollback), what);
            } catch (const OperationFailed& e) {
                refused = e.what();
                pg->exec(std::string(sql::k_pg_rollback), what);
            }
            const std::string where = "table \"" + t.name + "\" generated column \"" + c.name + "\" (" + c.generated + ")";
            if (refused.empty()) {
                c.decision.coercions.push_back("generated: GENERATED ALWAYS AS (" + c.generated_expression + ") STORED" +
                                               (c.generated == "VIRTUAL" ? " (VIRTUAL in SQLite; PostgreSQL has only STORED)" : "") +
                                               "; computed by PostgreSQL, not copied");
                if (c.generated == "VIRTUAL")
                    plan.warnings.push_back(where + ": recreated STORED, since PostgreSQL has no VIRTUAL generated columns");
            } else {
                c.decision.coercions.push_back("generated in SQLite; loaded as a plain column: PostgreSQL refused GENERATED ALWAYS AS (" +
                                               c.generated_expression + ") (" + refused + ")");
                plan.warnings.push_back(where + ": its values were loaded as a plain column; PostgreSQL refused the expression " +
                                        c.generated_expression + " (" + refused + ")");
                c.generated_expression.clear();
            }
        }
    }
}

}  // namespace aaiti::migrate
