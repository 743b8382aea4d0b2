#include "migrate/views.h"

#include <cctype>

#include "common/error.h"
#include "common/logging.h"
#include "migrate/pg_connection.h"
#include "migrate/sql.h"

namespace aaiti::migrate {
namespace {

// Reads one token of a CREATE VIEW head: a word, or an identifier quoted "...", [...] or `...`.
std::string next_token(const std::string& sql, std::size_t& i) {
    while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
    if (i >= sql.size()) return {};
    const char open = sql[i];
    const char close = open == '[' ? ']' : open;
    if (open == '"' || open == '[' || open == '`') {
        const std::size_t start = i++;
        while (i < sql.size()) {
            if (sql[i] == close) {
                if (close != ']' && i + 1 < sql.size() && sql[i + 1] == close) {  // doubled quote
                    i += 2;
                    continue;
                }
                ++i;
                break;
            }
            ++i;
        }
        return sql.substr(start, i - start);
    }
    if (open == '(' || open == '.') return std::string(1, sql[i++]);
    const std::size_t start = i;
    while (i < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_')) ++i;
    if (i == start) ++i;  // any other character stands alone
    return sql.substr(start, i - start);
}

bool is_word(const std::string& token, const char* word) {
    if (token.size() != std::char_traits<char>::length(word)) return false;
    for (std::size_t i = 0; i < token.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(token[i])) != word[i]) return false;
    return true;
}

ObjectReport view_object(const SourceObject& view, const std::string& schema) {
    ObjectReport o;
    o.kind = "view";
    o.name = view.name;
    const std::string body = view_select_body(view.sql);
    if (body.empty()) {
        o.sql = view.sql;
        o.reason = "its SQLite definition could not be read; recreate it by hand";
    } else {
        o.sql = sql::pg_create_view(schema, view.name, body);
    }
    return o;
}

}  // namespace

std::string view_select_body(const std::string& create_view_sql) {
    std::size_t i = 0;
    if (!is_word(next_token(create_view_sql, i), "CREATE")) return {};
    std::string token = next_token(create_view_sql, i);
    if (is_word(token, "TEMP") || is_word(token, "TEMPORARY")) token = next_token(create_view_sql, i);
    if (!is_word(token, "VIEW")) return {};
    token = next_token(create_view_sql, i);
    if (is_word(token, "IF")) {
        next_token(create_view_sql, i);  // NOT
        next_token(create_view_sql, i);  // EXISTS
        token = next_token(create_view_sql, i);
    }
    // The name, possibly schema-qualified, then an optional column list, then AS.
    token = next_token(create_view_sql, i);
    if (token == ".") {
        next_token(create_view_sql, i);
        token = next_token(create_view_sql, i);
    }
    if (token == "(") {
        int depth = 1;
        while (i < create_view_sql.size() && depth > 0) {
            if (create_view_sql[i] == '(') ++depth;
            if (create_view_sql[i] == ')') --depth;
            ++i;
        }
        token = next_token(create_view_sql, i);
    }
    if (!is_word(token, "AS")) return {};
    std::string body = create_view_sql.substr(i);
    while (!body.empty() && (std::isspace(static_cast<unsigned char>(body.back())) || body.back() == ';')) body.pop_back();
    const auto first = body.find_first_not_of(" \t\r\n");
    return first == std::string::npos ? std::string() : body.substr(first);
}

std::vector<ObjectReport> planned_views(const MigrationPlan& plan, const std::string& schema) {
    std::vector<ObjectReport> out;
    for (const auto& o : plan.views_and_triggers)
        if (o.kind == "view") out.push_back(view_object(o, schema));
    return out;
}

std::vector<ObjectReport> create_views(const std::string& target_url, const MigrationPlan& plan, const std::string& schema) {
    std::vector<ObjectReport> views = planned_views(plan, schema);
    if (views.empty()) return views;
    PgConnection pg(target_url);
    pg.exec(sql::pg_set_search_path(schema), "setting the search path for views");
    for (bool progress = true; progress;) {
        progress = false;
        for (auto& view : views) {
            if (view.created || view.sql.rfind("CREATE OR REPLACE VIEW", 0) != 0) continue;
            try {
                pg.exec(view.sql, "creating view " + view.name);
                view.created = true;
                view.reason.clear();
                progress = true;
            } catch (const OperationFailed& e) {
                view.reason = std::string("PostgreSQL refused its SQL (") + e.what() + "); rewrite it by hand";
            }
        }
    }
    for (const auto& view : views)
        if (!view.created) logging::warn("view not created", {{"name", view.name}, {"reason", view.reason}});
    return views;
}

}  // namespace aaiti::migrate
