#include "migrate/run_state.h"

#include <cstdlib>

#include "migrate/sql.h"

namespace aaiti::migrate {
namespace {

std::string text(const PgConnection::Row& row, std::size_t i) { return i < row.size() && row[i] ? *row[i] : std::string(); }
std::int64_t number(const PgConnection::Row& row, std::size_t i) { return std::strtoll(text(row, i).c_str(), nullptr, 10); }

}  // namespace

const TableRunState* RunState::table(const std::string& name) const {
    for (const auto& t : tables)
        if (t.name == name) return &t;
    return nullptr;
}

bool RunState::capture() const { return options.find("capture=1") != std::string::npos; }

RunState read_run_state(PgConnection& pg, const std::string& schema) {
    RunState state;
    const std::string what = "reading the migration state";
    if (pg.query_value(std::string(sql::k_pg_table_exists), {schema, std::string(sql::k_pg_state_table)}, what) == "0") return state;
    for (const auto& row : pg.query_rows(sql::pg_state_select(schema), {}, what)) {
        if (text(row, 0) == "run") {
            state.exists = true;
            state.phase = text(row, 2);
            state.run_id = text(row, 9);
            state.source = text(row, 10);
            state.fingerprint = text(row, 11);
            state.options = text(row, 12);
            state.applied_seq = number(row, 14);
            continue;
        }
        TableRunState t;
        t.name = text(row, 1);
        t.phase = text(row, 2);
        t.cursor = text(row, 3);
        t.rows_read = number(row, 4);
        t.rows_written = number(row, 5);
        t.rows_rejected = number(row, 6);
        t.counts = text(row, 7);
        t.kept = text(row, 8) == "t";
        t.profile = text(row, 13);
        state.tables.push_back(std::move(t));
    }
    return state;
}

void write_new_run_state(PgConnection& pg, const std::string& schema, const RunState& state) {
    const std::string what = "recording the migration state";
    pg.exec(sql::pg_state_drop(schema), what);
    pg.exec(sql::pg_state_create(schema), what);
    pg.exec_params(sql::pg_state_insert_run(schema), {state.phase, state.run_id, state.source, state.fingerprint, state.options}, what);
    for (const auto& t : state.tables)
        pg.exec_params(sql::pg_state_insert_table(schema), {t.name, t.kept ? "t" : "f", t.profile}, what);
}

void drop_run_state(PgConnection& pg, const std::string& schema) { pg.exec(sql::pg_state_drop(schema), "dropping the migration state"); }

void record_table_progress(PgConnection& pg, const std::string& schema, const TableRunState& t) {
    pg.exec_params(sql::pg_state_set_table_progress(schema),
                   {t.name, t.phase, t.cursor, std::to_string(t.rows_read), std::to_string(t.rows_written),
                    std::to_string(t.rows_rejected), t.counts},
                   "recording the progress of table \"" + t.name + "\"");
}

void set_table_phase(PgConnection& pg, const std::string& schema, const std::string& table, const std::string& phase) {
    pg.exec_params(sql::pg_state_set_table_phase(schema), {table, phase}, "recording the progress of table \"" + table + "\"");
}

void set_run_phase(PgConnection& pg, const std::string& schema, const std::string& phase) {
    pg.exec_params(sql::pg_state_set_run_phase(schema), {phase}, "recording the migration state");
}

void set_applied_seq(PgConnection& pg, const std::string& schema, std::int64_t seq) {
    pg.exec_params(sql::pg_state_set_applied_seq(schema), {std::to_string(seq)}, "recording the applied changes");
}

}  // namespace aaiti::migrate
