#include "migrate/triggers.h"

#include <cctype>
#include <map>
#include <set>
#include <strings.h>

#include "common/error.h"
#include "common/logging.h"
#include "migrate/pg_connection.h"
#include "migrate/sql.h"
#include "migrate/sql_tokens.h"

namespace aaiti::migrate {
namespace {

// Words that keep their meaning in a trigger body even when a table or column has the same name: SQLite
// requires such a name to be quoted to use it as one, so a bare occurrence is the keyword.
struct CaseInsensitiveLess {
    bool operator()(const std::string& a, const std::string& b) const { return strcasecmp(a.c_str(), b.c_str()) < 0; }
};
const std::set<std::string, CaseInsensitiveLess> k_keywords = {"ABORT",  "ALL",     "AND",      "AS",      "ASC",     "BEGIN",   "BETWEEN", "BY",      "CASE",    "CAST",
                  "COLLATE", "CONFLICT", "CROSS",   "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "DEFAULT", "DELETE",
                  "DESC",   "DISTINCT", "DO",      "ELSE",    "END",     "ESCAPE",  "EXCEPT",  "EXISTS",  "FAIL",    "FALSE",
                  "FROM",   "FULL",    "GLOB",     "GROUP",   "HAVING",  "IGNORE",  "IN",      "INNER",   "INSERT",  "INTERSECT",
                  "INTO",   "IS",      "ISNULL",   "JOIN",    "LEFT",    "LIKE",    "LIMIT",   "NATURAL", "NEW",     "NOT",
                  "NOTHING", "NOTNULL", "NULL",    "OF",      "OFFSET",  "OLD",     "ON",      "OR",      "ORDER",   "OUTER",
                  "RAISE",  "RECURSIVE", "REPLACE", "RETURNING", "RIGHT", "ROLLBACK", "SELECT", "SET",     "THEN",    "TRUE",
                  "UNION",  "UPDATE",  "USING",    "VALUES",  "WHEN",    "WHERE",   "WITH"};

bool is_space(const Token& t) { return t.kind == TokenKind::other && t.text == " "; }

std::size_t skip_space(const std::vector<Token>& tokens, std::size_t i) {
    while (i < tokens.size() && is_space(tokens[i])) ++i;
    return i;
}

bool is_name(const Token& t) { return t.kind == TokenKind::word || t.kind == TokenKind::quoted_identifier; }

// The parts of CREATE TRIGGER this translation needs, as token ranges of the SQLite text.
struct ParsedTrigger {
    std::string timing = "BEFORE";  // SQLite's default
    std::string event;
    std::vector<std::string> update_columns;
    std::string table;
    std::size_t when_begin = 0, when_end = 0;  // empty range: no WHEN
    std::vector<std::pair<std::size_t, std::size_t>> statements;
};

std::optional<ParsedTrigger> parse(const std::vector<Token>& tokens, std::string& why) {
    ParsedTrigger p;
    std::size_t i = skip_space(tokens, 0);
    const auto take = [&]() -> const Token* {
        i = skip_space(tokens, i);
        if (i >= tokens.size()) return nullptr;
        return &tokens[i++];
    };
    const auto peek_text = [&](const char* text) {
        const std::size_t j = skip_space(tokens, i);
        return j < tokens.size() && tokens[j].text == text;
    };
    const auto peek_word = [&](const char* w) {
        const std::size_t j = skip_space(tokens, i);
        return j < tokens.size() && is_word(tokens[j], w);
    };
    why = "its CREATE TRIGGER text could not be read";
    const Token* t = take();
    if (!t || !is_word(*t, "CREATE")) return std::nullopt;
    if (peek_word("TEMP") || peek_word("TEMPORARY")) take();
    if (!(t = take()) || !is_word(*t, "TRIGGER")) return std::nullopt;
    if (peek_word("IF")) {
        take();
        take();
        take();
    }
    if (!(t = take()) || !is_name(*t)) return std::nullopt;
    if (peek_text(".")) {
        take();
        if (!(t = take()) || !is_name(*t)) return std::nullopt;
    }
    if (peek_word("BEFORE") || peek_word("AFTER")) {
        p.timing = take()->text;
        for (auto& c : p.timing) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    } else if (peek_word("INSTEAD")) {
        why = "INSTEAD OF triggers act on views; this version does not translate them, rewrite it by hand";
        return std::nullopt;
    }
    if (!(t = take()) || !(is_word(*t, "INSERT") || is_word(*t, "UPDATE") || is_word(*t, "DELETE"))) return std::nullopt;
    p.event = is_word(*t, "INSERT") ? "INSERT" : is_word(*t, "UPDATE") ? "UPDATE" : "DELETE";
    if (p.event == "UPDATE" && peek_word("OF")) {
        take();
        do {
            if (!(t = take()) || !is_name(*t)) return std::nullopt;
            p.update_columns.push_back(t->text);
        } while (peek_text(",") && take());
    }
    if (!(t = take()) || !is_word(*t, "ON")) return std::nullopt;
    if (!(t = take()) || !is_name(*t)) return std::nullopt;
    p.table = t->text;
    if (peek_text(".")) {
        take();
        if (!(t = take()) || !is_name(*t)) return std::nullopt;
        p.table = t->text;
    }
    if (peek_word("FOR")) {
        take();
        take();
        take();  // EACH ROW
    }
    if (peek_word("WHEN")) {
        take();
        p.when_begin = i;
        while (i < tokens.size() && !is_word(tokens[i], "BEGIN")) ++i;
        p.when_end = i;
    }
    if (!(t = take()) || !is_word(*t, "BEGIN")) return std::nullopt;
    // The body ends at the last END (a CASE ... END inside it comes before).
    std::size_t end = tokens.size();
    while (end > i && (is_space(tokens[end - 1]) || tokens[end - 1].text == ";")) --end;
    if (end == i || !is_word(tokens[end - 1], "END")) return std::nullopt;
    --end;
    int depth = 0;
    std::size_t start = i;
    for (std::size_t k = i; k <= end; ++k) {
        if (k < end && tokens[k].text == "(") ++depth;
        if (k < end && tokens[k].text == ")") --depth;
        if (k == end || (depth == 0 && tokens[k].text == ";")) {
            if (skip_space(tokens, start) < k) p.statements.emplace_back(start, k);
            start = k + 1;
        }
    }
    if (p.statements.empty()) {
        why = "its body is empty";
        return std::nullopt;
    }
    why.clear();
    return p;
}

const std::string* find_name(const std::vector<std::string>& names, const std::string& name) {
    for (const auto& n : names)
        if (strcasecmp(n.c_str(), name.c_str()) == 0) return &n;
    return nullptr;
}

// Renders a token range as PostgreSQL: known names quoted in their migrated spelling, NEW.x / OLD.x checked
// against the trigger's table; with `parameters` set, NEW.x / OLD.x become $n of the column's type instead
// (for PREPARE). False with `why` set when a NEW/OLD column does not exist.
class BodyRenderer {
public:
    BodyRenderer(const std::vector<Token>& tokens, const TablePlan& table, std::vector<std::string> names)
        : tokens_(tokens), table_(table), names_(std::move(names)) {}

    bool render(std::size_t begin, std::size_t end, std::string& out, std::vector<std::string>* parameters, std::string& why) {
        std::map<std::string, std::size_t> numbered;  // "NEW.col" -> $n
        for (std::size_t i = begin; i < end; ++i) {
            const Token& t = tokens_[i];
            if ((is_word(t, "NEW") || is_word(t, "OLD")) && i + 2 < end && tokens_[i + 1].text == "." && is_name(tokens_[i + 2])) {
                const ColumnPlan* column = table_.column(tokens_[i + 2].text);
                const std::string row = is_word(t, "NEW") ? "NEW" : "OLD";
                if (!column) {
                    why = "it reads " + row + "." + tokens_[i + 2].text + ", which is not a column of the migrated table \"" +
                          table_.name + "\"; rewrite it by hand";
                    return false;
                }
                if (parameters) {
                    auto [it, added] = numbered.emplace(row + "." + column->name, parameters->size() + 1);
                    if (added) parameters->push_back(std::string(to_sql(column->type())));
                    // Two appends, not "$" + to_string(): GCC 12 at -O2/-O3 warns (-Wrestrict, a false positive)
                    // on that form, which -Werror builds would refuse.
                    out += '$';
                    out += std::to_string(it->second);
                } else {
                    out += row + "." + sql::pg_quote(column->name);
                }
                i += 2;
                continue;
            }
            if (t.kind == TokenKind::quoted_identifier) {
                const std::string* known = find_name(names_, t.text);
                out += sql::pg_quote(known ? *known : t.text);
            } else if (t.kind == TokenKind::word) {
                const std::size_t next = skip_space(tokens_, i + 1);
                std::size_t previous = i;
                while (previous > begin && is_space(tokens_[previous - 1])) --previous;
                // "INSERT INTO t (a, b)": a table and its column list, not a call.
                const bool into = previous > begin && is_word(tokens_[previous - 1], "INTO");
                const bool call = !into && next < end && tokens_[next].text == "(";
                const bool after_dot = i > begin && tokens_[i - 1].text == ".";
                const std::string* known = call || (!after_dot && k_keywords.count(t.text)) ? nullptr : find_name(names_, t.text);
                out += known ? sql::pg_quote(*known) : t.text;
            } else {
                out += t.text;
            }
        }
        while (!out.empty() && out.back() == ' ') out.pop_back();
        while (!out.empty() && out.front() == ' ') out.erase(0, 1);
        return true;
    }

private:
    const std::vector<Token>& tokens_;
    const TablePlan& table_;
    std::vector<std::string> names_;
};

std::vector<std::string> known_names(const MigrationPlan& plan) {
    std::vector<std::string> names;
    for (const auto& t : plan.tables) {
        names.push_back(t.name);
        for (const auto& c : t.columns) names.push_back(c.name);
    }
    for (const auto& o : plan.views_and_triggers)
        if (o.kind == "view") names.push_back(o.name);
    return names;
}

ObjectReport trigger_object(const SourceObject& trigger) {
    ObjectReport o;
    o.kind = "trigger";
    o.table = trigger.table;
    o.name = trigger.name;
    o.sql = trigger.sql;
    return o;
}

}  // namespace

std::optional<TriggerTranslation> translate_trigger(const SourceObject& trigger, const MigrationPlan& plan,
                                                    const std::string& schema, std::string& why) {
    const auto tokens = tokenize_sql(trigger.sql);
    const auto parsed = parse(tokens, why);
    if (!parsed) return std::nullopt;
    const TablePlan* table = nullptr;
    for (const auto& t : plan.tables)
        if (strcasecmp(t.name.c_str(), parsed->table.c_str()) == 0) table = &t;
    if (!table) {
        why = "it is on \"" + parsed->table + "\", which is not a migrated table; rewrite it by hand";
        return std::nullopt;
    }
    TriggerTranslation out;
    out.table = table->name;
    std::vector<std::string> update_columns;
    for (const auto& c : parsed->update_columns) {
        const ColumnPlan* column = table->column(c);
        if (!column) {
            why = "UPDATE OF names \"" + c + "\", which is not a column of \"" + table->name + "\"";
            return std::nullopt;
        }
        update_columns.push_back(column->name);
    }
    BodyRenderer renderer(tokens, *table, known_names(plan));
    std::vector<std::string> statements;
    for (const auto& [begin, end] : parsed->statements) {
        std::string statement, checked;
        std::vector<std::string> types;
        if (!renderer.render(begin, end, statement, nullptr, why) || !renderer.render(begin, end, checked, &types, why))
            return std::nullopt;
        out.check_sql.push_back(sql::pg_prepare_check(types, checked));
        // plpgsql runs a SELECT whose rows are not wanted as PERFORM.
        if (statement.size() >= 6 && strncasecmp(statement.c_str(), "SELECT", 6) == 0 &&
            (statement.size() == 6 || !std::isalnum(static_cast<unsigned char>(statement[6]))))
            statement = "PERFORM" + statement.substr(6);
        statements.push_back(std::move(statement));
    }
    std::string when;
    if (parsed->when_end > parsed->when_begin && !renderer.render(parsed->when_begin, parsed->when_end, when, nullptr, why))
        return std::nullopt;
    // A BEFORE trigger's return value is the row to write (or skip with NULL): SQLite's never change it.
    const std::string returns = parsed->timing == "AFTER" ? "NULL" : parsed->event == "DELETE" ? "OLD" : "NEW";
    const std::string function = trigger.name + "_fn";
    out.function_sql = sql::pg_create_trigger_function(schema, function, statements, returns);
    out.drop_sql = sql::pg_drop_trigger(schema, table->name, trigger.name);
    out.trigger_sql = sql::pg_create_trigger(schema, trigger.name, parsed->timing, parsed->event, update_columns, table->name, when, function);
    return out;
}

std::vector<ObjectReport> planned_triggers(const MigrationPlan& plan, const std::string& schema) {
    std::vector<ObjectReport> out;
    for (const auto& source : plan.views_and_triggers) {
        if (source.kind != "trigger") continue;
        ObjectReport o = trigger_object(source);
        std::string why;
        if (const auto t = translate_trigger(source, plan, schema, why)) {
            o.table = t->table;
            o.sql = t->function_sql + ";\n" + t->trigger_sql;
        } else {
            o.reason = "not translated: " + why;
        }
        out.push_back(std::move(o));
    }
    return out;
}

std::vector<ObjectReport> create_triggers(const std::string& target_url, const MigrationPlan& plan, const std::string& schema,
                                          const std::string& defer_reason) {
    std::vector<ObjectReport> out;
    std::optional<PgConnection> pg;
    for (const auto& source : plan.views_and_triggers) {
        if (source.kind != "trigger") continue;
        ObjectReport o = trigger_object(source);
        std::string why;
        const auto t = translate_trigger(source, plan, schema, why);
        if (!t) {
            o.reason = "not translated: " + why;
        } else if (!defer_reason.empty()) {
            o.reason = defer_reason;
        } else {
            if (!pg) {
                pg.emplace(target_url);
                pg->exec(sql::pg_set_search_path(schema), "setting the search path for triggers");
            }
            // Checks, function and trigger together: a refused trigger leaves no function behind.
            try {
                pg->exec(std::string(sql::k_pg_begin), "starting trigger " + source.name);
                for (const auto& check : t->check_sql) {
                    pg->exec(check, "checking trigger " + source.name);
                    pg->exec(std::string(sql::k_pg_deallocate_check), "checking trigger " + source.name);
                }
                pg->exec(t->function_sql, "creating the function of trigger " + source.name);
                pg->exec(t->drop_sql, "replacing trigger " + source.name);
                pg->exec(t->trigger_sql, "creating trigger " + source.name);
                pg->exec(std::string(sql::k_pg_commit), "creating trigger " + source.name);
                o.table = t->table;
                o.sql = t->function_sql + ";\n" + t->trigger_sql;
                o.created = true;
            } catch (const OperationFailed& e) {
                pg->exec(std::string(sql::k_pg_rollback), "abandoning trigger " + source.name);
                o.reason = std::string("PostgreSQL refused its translation (") + e.what() + "); rewrite it by hand";
            }
        }
        if (!o.created && defer_reason.empty()) logging::warn("trigger not created", {{"name", o.name}, {"reason", o.reason}});
        out.push_back(std::move(o));
    }
    return out;
}

}  // namespace aaiti::migrate
