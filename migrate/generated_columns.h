#pragma once
// SQLite generated columns in PostgreSQL. Their values are always profiled and typed like any column's.
// Where PostgreSQL accepts the expression (identifiers requoted, the other columns at their planned
// types), the column is created GENERATED ALWAYS AS (expr) STORED and left out of COPY: PostgreSQL
// computes it, and --verify then compares its results with SQLite's. A VIRTUAL column becomes STORED
// (PostgreSQL 15 has no virtual generated columns). Where PostgreSQL refuses it (SQLite-only functions,
// a uuid key in arithmetic, a reference to another generated column), the values are loaded as a plain
// column and the column's coercions and the warnings say why.
#include <string>

#include "migrate/plan.h"

namespace aaiti::migrate {

// The expression of GENERATED ALWAYS AS (...) / AS (...) for `column` in a CREATE TABLE; "" when not found.
std::string generation_expression(const std::string& create_table_sql, const std::string& column);

// The PostgreSQL form of a column's expression: names requoted to the table's columns.
std::string translate_generation_expression(const TablePlan& table, const std::string& sqlite_expression);

// Asks PostgreSQL about every candidate (ColumnPlan::generated_expression set by build_plan) in a
// temporary table, one transaction each, and keeps or clears it; records the outcome in the column's
// coercions and in the plan's warnings. The same plan and server give the same answer, so a resumed or
// incremental run decides as the first one did.
// --plan asks no server: each candidate says what will be tried.
void note_planned_generated_columns(MigrationPlan& plan);

void settle_generated_columns(const std::string& target_url, MigrationPlan& plan, const std::string& schema);

}  // namespace aaiti::migrate
