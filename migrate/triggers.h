#pragma once
// SQLite triggers -> PostgreSQL: a row trigger (BEFORE/AFTER INSERT, UPDATE [OF ...] or DELETE on a migrated
// table, optional WHEN) becomes a plpgsql function running the same statements plus a trigger calling it.
// Identifiers are requoted to the migrated spelling; SELECT statements become PERFORM. Each statement is
// first parse-analysed by PostgreSQL (PREPARE, NEW/OLD columns as parameters of the columns' new types), so
// a body using SQLite-only functions, RAISE() or names that do not exist is refused with PostgreSQL's
// reason instead of failing later when the trigger fires. What is not translated or refused is reported
// with its SQLite SQL; nothing is dropped silently. The change-capture triggers --incremental installs are
// not the user's and never appear here (sql::k_sqlite_views_and_triggers leaves them out).
#include <optional>
#include <string>
#include <vector>

#include "migrate/plan.h"
#include "migrate/report.h"

namespace aaiti::migrate {

struct TriggerTranslation {
    std::string table;                    // the migrated table's spelling
    std::string function_sql;             // CREATE OR REPLACE FUNCTION ... plpgsql
    std::string drop_sql;                 // DROP TRIGGER IF EXISTS (a re-run replaces it)
    std::string trigger_sql;              // CREATE TRIGGER ... EXECUTE FUNCTION
    std::vector<std::string> check_sql;   // one PREPARE per body statement
};

// nullopt with `why` set when the trigger is not one this version translates (INSTEAD OF, a table that
// was not migrated, NEW/OLD columns that do not exist, an unreadable definition).
std::optional<TriggerTranslation> translate_trigger(const SourceObject& trigger, const MigrationPlan& plan,
                                                    const std::string& schema, std::string& why);

// Triggers as --plan shows them: the translation that will be tried, or why there is none.
std::vector<ObjectReport> planned_triggers(const MigrationPlan& plan, const std::string& schema);

// Creates every translatable trigger, each in its own transaction (checks, function, trigger). With
// `defer_reason` non-empty nothing is created and every trigger is reported with that reason (the first
// --incremental run: replayed changes would fire them a second time; --finish creates them).
std::vector<ObjectReport> create_triggers(const std::string& target_url, const MigrationPlan& plan, const std::string& schema,
                                          const std::string& defer_reason = "");

}  // namespace aaiti::migrate
