#include "migrate/constraints.h"

#include <set>
#include <strings.h>

#include "common/error.h"
#include "common/logging.h"
#include "migrate/index_translation.h"
#include "migrate/parallel.h"
#include "migrate/sql.h"

namespace aaiti::migrate {
namespace {

constexpr std::string_view k_kept_reason = "the table existed and was truncated; its own constraints and indexes were kept";

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
}

std::vector<std::string> column_names(const TablePlan& t) {
    std::vector<std::string> names;
    for (const auto& c : t.columns) names.push_back(c.name);
    return names;
}

ObjectReport make_object(std::string kind, std::string table, std::string name, std::string sql, std::string reason) {
    ObjectReport o;
    o.kind = std::move(kind);
    o.table = std::move(table);
    o.name = std::move(name);
    o.sql = std::move(sql);
    o.reason = std::move(reason);
    return o;
}

// Foreign keys name the parent as SQLite spelled it in the constraint; the target table carries the
// parent's own spelling (names are case-sensitive once quoted in PostgreSQL).
std::string plan_parent_name(const MigrationPlan& plan, const std::string& parent) {
    for (const auto& t : plan.tables)
        if (strcasecmp(t.name.c_str(), parent.c_str()) == 0) return t.name;
    return parent;
}

// One table's own objects in the order they must run: key, uniques, indexes, identity (needs the key).
std::vector<ObjectReport> table_statements(const MigrationPlan& plan, const MigrateOptions& options, std::size_t table) {
    std::vector<ObjectReport> out;
    const std::string& s = options.schema;
    {
        const auto& t = plan.tables[table];
        if (!t.primary_key.empty())
            out.push_back(make_object("primary key", t.name, t.name + " (" + joined(t.primary_key) + ")",
                           sql::pg_add_primary_key(s, t.name, t.primary_key), ""));
        for (const auto& ix : t.indexes) {
            if (ix.origin == "pk") continue;
            if (ix.origin == "u" && !ix.partial && !ix.has_expressions) {
                out.push_back(make_object("unique", t.name, ix.name, sql::pg_add_unique(s, t.name, ix.columns), ""));
                continue;
            }
            std::string why;
            const auto translated = translate_index(ix, column_names(t), why);
            if (!translated) {
                out.push_back(make_object("index", t.name, ix.name, ix.sql, why));
                continue;
            }
            out.push_back(make_object("index", t.name, ix.name,
                           sql::pg_create_index(s, t.name, ix.name, ix.unique, translated->elements, translated->where), ""));
        }
        if (t.key_column >= 0) {
            const ColumnPlan& key = t.columns[static_cast<std::size_t>(t.key_column)];
            if (key.key_role == KeyRole::identity) {
                const long long start = (key.profile.integers + key.profile.texts_integer > 0 ? key.profile.int_max : 0) + 1;
                out.push_back(make_object("identity", t.name, t.name + "." + key.name, sql::pg_add_identity(s, t.name, key.name, start), ""));
            }
        }
    }
    return out;
}

std::vector<ObjectReport> foreign_key_statements(const MigrationPlan& plan, const MigrateOptions& options) {
    std::vector<ObjectReport> out;
    const std::string& s = options.schema;
    std::set<std::string> fk_names;
    for (const auto& t : plan.tables) {
        for (const auto& fk : t.foreign_keys) {
            // PostgreSQL's own naming (<table>_<columns>_fkey), made unique and kept within 63 bytes.
            std::string constraint = t.name;
            for (const auto& c : fk.source.columns) constraint += "_" + c;
            constraint = constraint.substr(0, 50) + "_fkey";
            for (int n = 1; !fk_names.insert(constraint).second; ++n) constraint = constraint.substr(0, 50) + "_fkey" + std::to_string(n);
            const std::string name = t.name + " (" + joined(fk.source.columns) + ") -> " + fk.source.parent_table + " (" +
                                     joined(fk.source.parent_columns) + ")";
            if (!fk.resolvable) {
                out.push_back(make_object("foreign key", t.name, name, "", "the parent table or column does not exist in the source"));
                continue;
            }
            // Added NOT VALID (instant), then validated: validation takes only a SHARE UPDATE EXCLUSIVE
            // lock, so foreign keys of different tables are checked in parallel. Under --on-orphan=keep
            // with orphans, the constraint stays NOT VALID.
            ObjectReport o = make_object("foreign key", t.name, name,
                                         sql::pg_add_foreign_key(s, t.name, constraint, fk.source.columns,
                                                                 plan_parent_name(plan, fk.source.parent_table),
                                                                 fk.source.parent_columns, true, options.incremental),
                                         "");
            if (!fk.not_valid) o.validate_sql = sql::pg_validate_constraint(s, t.name, constraint);
            out.push_back(std::move(o));
        }
    }
    return out;
}

}  // namespace

std::vector<ObjectReport> planned_constraints(const MigrationPlan& plan, const MigrateOptions& options) {
    std::vector<ObjectReport> out;
    for (std::size_t t = 0; t < plan.tables.size(); ++t)
        for (auto& o : table_statements(plan, options, t)) out.push_back(std::move(o));
    for (auto& o : foreign_key_statements(plan, options)) out.push_back(std::move(o));
    return out;
}

namespace {

// Runs one statement; a refusal is recorded as the object's reason, not thrown.
void run_object(PgConnection& conn, ObjectReport& o, bool kept) {
    if (!o.reason.empty() || o.sql.empty()) return;
    if (kept) {
        o.reason = std::string(k_kept_reason);
        return;
    }
    try {
        conn.exec(o.sql, "creating " + o.kind + " " + o.name);
        o.created = true;
    } catch (const OperationFailed& e) {
        o.reason = e.what();
        logging::warn("constraint skipped", {{"kind", o.kind}, {"name", o.name}, {"reason", o.reason}});
    }
}

}  // namespace

std::vector<ObjectReport> create_table_constraints(PgConnection& conn, const MigrationPlan& plan, const MigrateOptions& options,
                                                   std::size_t table, bool kept) {
    auto objects = table_statements(plan, options, table);
    for (auto& o : objects) run_object(conn, o, kept);
    return objects;
}

std::vector<ObjectReport> create_foreign_keys(PgConnection& pg, const MigrationPlan& plan, const MigrateOptions& options,
                                              const std::vector<bool>& kept_tables) {
    auto objects = foreign_key_statements(plan, options);
    auto kept = [&](const ObjectReport& o) {
        for (std::size_t i = 0; i < kept_tables.size(); ++i)
            if (kept_tables[i] && plan.tables[i].name == o.table) return true;
        return false;
    };
    // Adding a foreign key locks its parent table, so they are added one at a time (parallel ones could
    // deadlock), NOT VALID so that is instant; validating takes no such lock, so the checks run -j child
    // tables at a time.
    for (auto& o : objects) run_object(pg, o, kept(o));
    std::vector<std::vector<std::size_t>> validations(plan.tables.size());
    for (std::size_t i = 0; i < objects.size(); ++i) {
        if (!objects[i].created || objects[i].validate_sql.empty()) continue;
        for (std::size_t t = 0; t < plan.tables.size(); ++t)
            if (plan.tables[t].name == objects[i].table) validations[t].push_back(i);
    }
    parallel_for(validations.size(), options.jobs, [&](std::size_t t) {
        if (validations[t].empty()) return;
        PgConnection conn(options.target_url);
        for (const std::size_t i : validations[t]) {
            ObjectReport& o = objects[i];
            try {
                conn.exec(o.validate_sql, "validating foreign key " + o.name);
            } catch (const OperationFailed& e) {
                o.created = false;
                o.reason = std::string("added NOT VALID, but validation failed: ") + e.what();
                logging::warn("foreign key not validated", {{"name", o.name}, {"reason", o.reason}});
            }
        }
    });
    return objects;
}

std::vector<ObjectReport> untranslated_objects(const MigrationPlan& plan) {
    std::vector<ObjectReport> out;
    for (const auto& o : plan.views_and_triggers)
        if (o.kind != "view" && o.kind != "trigger")  // tried in PostgreSQL: views.h, triggers.h
            out.push_back(make_object(o.kind, o.table, o.name, o.sql, o.kind + "s are not translated by this version; recreate it by hand"));
    return out;
}

}  // namespace aaiti::migrate
