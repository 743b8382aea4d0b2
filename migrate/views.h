#pragma once
// SQLite views recreated in PostgreSQL where their SELECT is valid PostgreSQL too (plain joins,
// filters, aggregates over the migrated tables); the others are reported with PostgreSQL's reason and
// their SQLite SQL, to be rewritten by hand.
#include <string>
#include <vector>

#include "migrate/plan.h"
#include "migrate/report.h"

namespace aaiti::migrate {

// The SELECT after "CREATE [TEMP] VIEW [IF NOT EXISTS] name [(columns)] AS"; empty when not found.
std::string view_select_body(const std::string& create_view_sql);

// Views as --plan shows them: the statement that will be tried, not run.
std::vector<ObjectReport> planned_views(const MigrationPlan& plan, const std::string& schema);

// Tries every view, in passes so that a view built on another view follows it; stops when a pass
// creates nothing. Each object says whether it was created or why not.
std::vector<ObjectReport> create_views(const std::string& target_url, const MigrationPlan& plan, const std::string& schema);

}  // namespace aaiti::migrate
