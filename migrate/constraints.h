#pragma once
// Constraints and indexes after the load: primary keys, unique constraints, indexes (partial and
// expression ones where they translate), identities for --keys keep, then foreign keys last. Each
// statement runs on its own: one PostgreSQL refuses is reported as skipped with its SQL and the reason,
// and the rest still go in.
#include <vector>

#include "migrate/options.h"
#include "migrate/pg_connection.h"
#include "migrate/plan.h"
#include "migrate/report.h"

namespace aaiti::migrate {

// One table's primary key, unique constraints, indexes and identity, run on `conn` right after the
// table's rows committed (while other tables still load). `kept`: the table existed and was truncated;
// its own constraints and indexes are kept, so nothing is created.
std::vector<ObjectReport> create_table_constraints(PgConnection& conn, const MigrationPlan& plan, const MigrateOptions& options,
                                                   std::size_t table, bool kept);

// Every foreign key, once all tables are loaded. `kept_tables` is parallel to plan.tables (may be empty).
std::vector<ObjectReport> create_foreign_keys(PgConnection& pg, const MigrationPlan& plan, const MigrateOptions& options,
                                              const std::vector<bool>& kept_tables);

// Views, triggers and virtual tables: listed with their SQL, not translated in this version.
std::vector<ObjectReport> untranslated_objects(const MigrationPlan& plan);

// What create_constraints would run, for --plan.
std::vector<ObjectReport> planned_constraints(const MigrationPlan& plan, const MigrateOptions& options);

}  // namespace aaiti::migrate
