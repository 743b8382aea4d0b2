#include "migrate/target_setup.h"

#include "common/error.h"
#include "common/logging.h"
#include "migrate/sql.h"

namespace aaiti::migrate {
namespace {

std::vector<sql::PgColumnDef> column_defs(const TablePlan& t) {
    std::vector<sql::PgColumnDef> defs;
    for (const auto& c : t.columns) defs.push_back({c.name, c.type(), c.not_null, c.generated_expression});
    if (!t.legacy_id_column.empty()) defs.push_back({t.legacy_id_column, PgType::bigint, true, ""});
    return defs;
}

bool table_exists(PgConnection& pg, const std::string& schema, const std::string& table) {
    return pg.query_value(std::string(sql::k_pg_table_exists), {schema, table}, "checking table \"" + table + "\"") != "0";
}

}  // namespace

void check_target_privileges(PgConnection& pg, const SourceSchema& schema, const MigrateOptions& options) {
    if (options.if_exists == IfExists::truncate || schema.tables.empty()) return;
    const auto rows = pg.query_rows(std::string(sql::k_pg_target_privileges), {options.schema}, "checking the target role's privileges");
    if (rows.empty() || rows.front().size() < 6) return;
    const auto& r = rows.front();
    const std::string role = r[0].value_or(""), database = r[1].value_or("");
    const bool schema_exists = r[2] == "true", can_create = r[3] == "true", can_use = r[4] == "true", can_create_schema = r[5] == "true";
    const std::string table = "table \"" + schema.tables.front().name + "\"" + (schema.tables.size() > 1 ? " (and the others)" : "");
    const std::string tail = "; nothing was written. ";
    if (!schema_exists && !can_create_schema)
        throw OperationFailed("migrate: role \"" + role + "\" may not create schema \"" + options.schema + "\" for " + table +
                              ": it lacks the CREATE privilege on database \"" + database + "\"" + tail +
                              "Create the schema for it, GRANT CREATE ON DATABASE " + sql::pg_quote(database) + " TO " +
                              sql::pg_quote(role) + ", or pass an existing --schema it may create tables in");
    if (schema_exists && (!can_create || !can_use))
        throw OperationFailed("migrate: role \"" + role + "\" may not create " + table + " in schema \"" + options.schema +
                              "\": it lacks the " + (!can_create && !can_use ? "CREATE and USAGE privileges" : !can_create ? "CREATE privilege" : "USAGE privilege") +
                              " on that schema" + tail + "GRANT " + (!can_create && !can_use ? "USAGE, CREATE" : !can_create ? "CREATE" : "USAGE") +
                              " ON SCHEMA " + sql::pg_quote(options.schema) + " TO " + sql::pg_quote(role) +
                              ", or pass a --schema it may create tables in");
}

void check_target_tables(PgConnection& pg, const MigrationPlan& plan, const MigrateOptions& options) {
    if (options.if_exists != IfExists::fail) return;
    if (pg.query_value(std::string(sql::k_pg_schema_exists), {options.schema}, "checking the schema") == "0") return;
    std::string existing;
    int count = 0;
    for (const auto& t : plan.tables) {
        if (!table_exists(pg, options.schema, t.name)) continue;
        const bool has_rows = pg.query_value(sql::pg_table_has_rows(options.schema, t.name), {}, "checking table \"" + t.name + "\"") == "t";
        if (count++ < 5) existing += std::string(existing.empty() ? "" : ", ") + "\"" + t.name + "\"" + (has_rows ? " (not empty)" : " (empty)");
    }
    if (count > 0)
        throw DataError("migrate: " + std::to_string(count) + " target table(s) already exist in schema \"" + options.schema +
                        "\": " + existing + (count > 5 ? ", ..." : "") +
                        "; nothing was written. Use --if-exists=truncate|drop or another --schema");
}

std::vector<bool> create_target_tables(PgConnection& pg, const MigrationPlan& plan, const MigrateOptions& options,
                                       const BeforeCreateCommit& before_commit) {
    const std::string what = "creating the target tables";
    std::vector<bool> truncated(plan.tables.size(), false);
    std::vector<std::string> to_truncate;
    pg.exec(std::string(sql::k_pg_begin), what);
    pg.exec(sql::pg_create_schema(options.schema), what);
    for (std::size_t i = 0; i < plan.tables.size(); ++i) {
        const auto& t = plan.tables[i];
        const bool exists = table_exists(pg, options.schema, t.name);
        if (exists && options.if_exists == IfExists::truncate) {
            truncated[i] = true;
            to_truncate.push_back(t.name);
            continue;
        }
        if (exists && options.if_exists == IfExists::drop) pg.exec(sql::pg_drop_table(options.schema, t.name), "dropping table \"" + t.name + "\"");
        pg.exec(sql::pg_create_table(options.schema, t.name, column_defs(t)), "creating table \"" + t.name + "\"");
    }
    if (!to_truncate.empty()) pg.exec(sql::pg_truncate_tables(options.schema, to_truncate), "truncating the existing tables");
    if (before_commit) before_commit(pg, truncated);
    pg.exec(std::string(sql::k_pg_commit), what);
    logging::debug("target tables created", {{"tables", static_cast<std::int64_t>(plan.tables.size())}});
    return truncated;
}

}  // namespace aaiti::migrate
