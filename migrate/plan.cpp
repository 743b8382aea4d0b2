#include "migrate/plan.h"

#include <functional>
#include <map>
#include <optional>
#include <strings.h>

#include "common/error.h"
#include "migrate/generated_columns.h"

namespace aaiti::migrate {
namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// A single-column primary key whose values are all integers: the keys --keys uuid replaces.
bool is_integer_key(const SourceTable& t, const TableProfile& p) {
    if (t.primary_key.size() != 1) return false;
    const int i = t.column_index(t.primary_key.front());
    if (i < 0) return false;
    const auto& col = t.columns[static_cast<std::size_t>(i)];
    const auto& prof = p.columns[static_cast<std::size_t>(i)];
    const DeclaredKind kind = classify_declared_type(col.declared_type);
    if (kind != DeclaredKind::integer && kind != DeclaredKind::none) return false;
    return prof.nulls == 0 && prof.blobs == 0 && prof.reals == 0 && prof.texts == prof.texts_integer;
}

std::string rows_text(std::int64_t n, const char* what) { return std::to_string(n) + (n == 1 ? " row " : " rows ") + what; }

std::string column_list(const std::vector<std::string>& cols) {
    std::string out;
    for (const auto& c : cols) out += (out.empty() ? "" : ", ") + c;
    return out;
}

}  // namespace

std::string_view to_string(KeyRole role) {
    switch (role) {
        case KeyRole::none: return "";
        case KeyRole::uuid_primary: return "uuid primary key";
        case KeyRole::uuid_reference: return "uuid reference";
        case KeyRole::identity: return "identity";
    }
    return "";
}

const ColumnPlan* TablePlan::column(const std::string& column_name) const {
    for (const auto& c : columns)
        if (strcasecmp(c.name.c_str(), column_name.c_str()) == 0) return &c;
    return nullptr;
}

Uuid key_namespace() {
    static const Uuid ns = Uuid::name_based_v5(uuid_namespace_url(), "https://aaiti.dev/ns/migrate/keys");
    return ns;
}

std::string key_uuid(const Uuid& name_space, const std::string& table, const std::string& key_text) {
    return Uuid::name_based_v5(name_space, table + ":" + key_text).to_string();
}

MigrationPlan build_plan(const SourceSchema& schema, const std::vector<TableProfile>& profiles, const MigrateOptions& options) {
    MigrationPlan plan;
    plan.views_and_triggers = schema.views_and_triggers;

    // Tables whose own key becomes a UUID, by lower-cased name (SQLite names are case-insensitive).
    std::map<std::string, std::string> uuid_tables;
    if (options.keys == KeyStrategy::uuid)
        for (std::size_t t = 0; t < schema.tables.size(); ++t)
            if (is_integer_key(schema.tables[t], profiles[t]))
                uuid_tables[lower(schema.tables[t].name)] = schema.tables[t].name;

    // Which uuid table names the UUIDs of (table, column): its own key, or through a foreign key to a
    // column that resolves (composite keys and chains of keys included). Depth-limited against cycles.
    std::function<std::optional<std::string>(const SourceTable&, const std::string&, int)> resolve =
        [&](const SourceTable& t, const std::string& column, int depth) -> std::optional<std::string> {
        if (depth > 16) return std::nullopt;
        // A reference wins over the column's own key: a key that is also a foreign key (a 1:1 extension
        // table) must hold its parent's UUID, or the reference would break.
        for (const auto& fk : t.foreign_keys) {
            if (!foreign_key_resolvable(schema, fk)) continue;
            for (std::size_t i = 0; i < fk.columns.size(); ++i) {
                if (strcasecmp(fk.columns[i].c_str(), column.c_str()) != 0) continue;
                if (auto r = resolve(*schema.table(fk.parent_table), fk.parent_columns[i], depth + 1)) return r;
            }
        }
        if (auto it = uuid_tables.find(lower(t.name));
            it != uuid_tables.end() && strcasecmp(t.primary_key.front().c_str(), column.c_str()) == 0)
            return it->second;
        return std::nullopt;
    };

    for (std::size_t t = 0; t < schema.tables.size(); ++t) {
        const SourceTable& st = schema.tables[t];
        const TableProfile& prof = profiles[t];
        TablePlan tp;
        tp.name = st.name;
        tp.without_rowid = st.without_rowid;
        tp.rows = prof.rows;
        tp.primary_key = st.primary_key;
        tp.indexes = st.indexes;
        if (st.primary_key.empty())
            plan.warnings.push_back("table \"" + st.name + "\" has no primary key: loaded as is, duplicates included");

        for (std::size_t c = 0; c < st.columns.size(); ++c) {
            const SourceColumn& sc = st.columns[c];
            ColumnPlan cp;
            cp.name = sc.name;
            cp.declared_type = sc.declared_type;
            cp.not_null = sc.not_null;
            cp.profile = prof.columns[c];
            if (auto owner = resolve(st, sc.name, 0)) {
                const bool own = sc.pk_position > 0 && st.primary_key.size() == 1 && lower(*owner) == lower(st.name);
                cp.key_role = own ? KeyRole::uuid_primary : KeyRole::uuid_reference;
                cp.uuid_table = *owner;
                cp.decision.type = PgType::uuid;
                cp.decision.coercions.push_back(own ? "integer key replaced by UUIDv5(namespace, \"" + *owner + ":<key>\")"
                                                    : "reference rewritten to the UUID of \"" + *owner + "\"");
                if (own) tp.key_column = static_cast<int>(c);
            } else {
                cp.decision = decide_column_type(st.name, sc.name, sc.declared_type, cp.profile, options.on_bad_value);
                if (options.keys == KeyStrategy::keep && st.primary_key.size() == 1 && sc.pk_position == 1 &&
                    (cp.type() == PgType::integer || cp.type() == PgType::bigint) && cp.profile.nulls == 0) {
                    cp.key_role = KeyRole::identity;
                    tp.key_column = static_cast<int>(c);
                }
            }
            cp.generated = sc.generated;
            tp.columns.push_back(std::move(cp));
            const ColumnPlan& added = tp.columns.back();
            if (!sc.generated.empty() && sc.generation_expression.empty())
                plan.warnings.push_back("table \"" + st.name + "\" generated column \"" + sc.name +
                                        "\": its expression could not be read from the table's SQL; its values are loaded as a plain column");
            for (const auto& w : added.decision.warnings)
                plan.warnings.push_back("table \"" + st.name + "\" column \"" + sc.name + "\": " + w);
        }
        // Generated expressions are translated once every column is known (they may name later ones).
        for (std::size_t c = 0; c < st.columns.size(); ++c)
            if (!st.columns[c].generated.empty() && !st.columns[c].generation_expression.empty() &&
                tp.columns[c].key_role == KeyRole::none)
                tp.columns[c].generated_expression = translate_generation_expression(tp, st.columns[c].generation_expression);
        if (options.keep_legacy_ids && tp.key_column >= 0 &&
            tp.columns[static_cast<std::size_t>(tp.key_column)].key_role == KeyRole::uuid_primary) {
            tp.legacy_id_column = "legacy_id";
            while (tp.column(tp.legacy_id_column)) tp.legacy_id_column += "_";
        }

        for (std::size_t f = 0; f < st.foreign_keys.size(); ++f) {
            ForeignKeyPlan fp;
            fp.source = st.foreign_keys[f];
            fp.resolvable = prof.orphans[f] >= 0;
            fp.orphans = std::max<std::int64_t>(prof.orphans[f], 0);
            const std::string what = "table \"" + st.name + "\" foreign key (" + column_list(fp.source.columns) +
                                     ") -> \"" + fp.source.parent_table + "\"";
            if (!fp.resolvable) {
                plan.warnings.push_back(what + ": the parent table or column does not exist; values kept, constraint not created");
            } else if (fp.orphans > 0) {
                switch (options.on_orphan) {
                    case OrphanPolicy::null:
                        fp.null_orphans = true;
                        plan.warnings.push_back(what + ": " + rows_text(fp.orphans, "without a parent; their key set NULL (--on-orphan=null)"));
                        break;
                    case OrphanPolicy::keep:
                        fp.not_valid = true;
                        plan.warnings.push_back(what + ": " + rows_text(fp.orphans, "without a parent kept; constraint created NOT VALID (--on-orphan=keep)"));
                        break;
                    case OrphanPolicy::fail:
                        throw OperationFailed("migrate: " + what + ": " + rows_text(fp.orphans, "without a parent (no parent row matches)") +
                                              "; nothing was written. Use --on-orphan=null|keep");
                }
            }
            if (fp.null_orphans)
                for (const auto& fk_column : fp.source.columns)
                    for (auto& cp : tp.columns)
                        if (strcasecmp(cp.name.c_str(), fk_column.c_str()) == 0 && cp.not_null) {
                            // NULL is how an orphan arrives; NOT NULL would refuse it.
                            cp.not_null = false;
                            cp.decision.coercions.push_back("NOT NULL dropped: orphan keys are stored as NULL");
                        }
            tp.foreign_keys.push_back(std::move(fp));
        }
        plan.tables.push_back(std::move(tp));
    }
    return plan;
}

}  // namespace aaiti::migrate
