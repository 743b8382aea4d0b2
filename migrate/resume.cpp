#include "migrate/resume.h"

#include "common/error.h"
#include "common/logging.h"
#include "common/uuid.h"
#include "migrate/change_replay.h"
#include "migrate/constraints.h"
#include "migrate/run_identity.h"
#include "migrate/sql.h"
#include "migrate/state_codec.h"

namespace aaiti::migrate {
namespace {

std::string state_where(const MigrateOptions& o) { return "schema \"" + o.schema + "\""; }

std::size_t tables_in(const RunState& s, const char* phase_a, const char* phase_b) {
    std::size_t n = 0;
    for (const auto& t : s.tables) n += (t.phase == phase_a || t.phase == phase_b) ? 1 : 0;
    return n;
}

}  // namespace

void check_same_run(const RunState& state, const MigrateOptions& options, const SourceSchema& schema) {
    const std::string options_now = options_signature(options);
    if (const auto diff = options_difference(state.options, options_now); !diff.empty())
        throw ConfigError("migrate: the run recorded in " + state_where(options) + " was started with other options: " + diff +
                          "; repeat the options it was started with, or start over with --if-exists drop");
    if (const auto diff = fingerprint_difference(state.fingerprint, source_fingerprint(options.source_path, schema), state.capture());
        !diff.empty())
        throw DataError("migrate: the source is not the one the run recorded in " + state_where(options) + " started from (" + diff +
                        "; it read \"" + state.source + "\"); nothing was written. Start over with --if-exists drop");
}

RunStart open_run(const MigrateOptions& options, const SourceSchema& schema) {
    RunStart start;
    PgConnection pg(options.target_url);
    RunState state = read_run_state(pg, options.schema);
    if (!state.exists) {
        if (options.resume)
            throw DataError("migrate: nothing to resume: " + state_where(options) + " holds no migration state (" +
                            std::string(sql::k_pg_state_table) + "); run without --resume");
        return start;
    }
    const bool partial = state.phase != phase::k_complete;
    if (!options.resume) {
        if (options.if_exists == IfExists::fail && partial)
            throw DataError("migrate: " + state_where(options) + " holds a partial migration of \"" + state.source + "\" (" +
                            std::to_string(tables_in(state, phase::k_loaded, phase::k_indexed)) + " of " +
                            std::to_string(state.tables.size()) + " tables loaded); pass --resume to finish it, or " +
                            "--if-exists drop to start over");
        if (options.if_exists == IfExists::fail)
            throw DataError("migrate: " + state_where(options) + " already holds a migration of \"" + state.source +
                            "\" with change capture; sync it with --incremental, end it with --finish, or start over with "
                            "--if-exists drop");
        return start;  // --if-exists drop|truncate: a new run replaces the state
    }
    check_same_run(state, options, schema);
    start.resuming = true;
    for (const auto& t : schema.tables) {
        const TableRunState* recorded = state.table(t.name);
        if (!recorded || recorded->profile.empty())
            throw DataError("migrate: the run recorded in " + state_where(options) + " has no table \"" + t.name +
                            "\"; start over with --if-exists drop");
        start.profiles.push_back(decode_profile(recorded->profile));
        start.kept.push_back(recorded->kept);
    }
    logging::info("resuming the migration", {{"run", state.run_id},
                                             {"tables_done", static_cast<std::int64_t>(tables_in(state, phase::k_loaded, phase::k_indexed))}});
    start.state = std::move(state);
    return start;
}

RunState new_run_state(const MigrateOptions& options, const SourceSchema& schema, const std::vector<TableProfile>& profiles,
                       const std::vector<bool>& kept) {
    RunState s;
    s.exists = true;
    s.phase = phase::k_loading;
    s.run_id = Uuid::random_v4().to_string();
    s.source = options.source_path;
    s.fingerprint = source_fingerprint(options.source_path, schema);
    s.options = options_signature(options);
    for (std::size_t i = 0; i < schema.tables.size(); ++i) {
        TableRunState t;
        t.name = schema.tables[i].name;
        t.kept = i < kept.size() && kept[i];
        t.profile = encode_profile(profiles[i]);
        s.tables.push_back(std::move(t));
    }
    return s;
}

std::vector<ObjectReport> build_table_objects(PgConnection& conn, const MigrationPlan& plan, const MigrateOptions& options,
                                              std::size_t table, bool kept, bool redo) {
    const std::string& name = plan.tables[table].name;
    if (redo && !kept) {
        // Whatever a dead run built on this table (we created it, so every object on it is ours).
        const std::string qualified = sql::pg_qualified(options.schema, name);
        const std::string what = "resetting the keys and indexes of table \"" + name + "\"";
        for (const auto& row : conn.query_rows(std::string(sql::k_pg_table_constraints), {qualified}, what))
            if (row[1] && (*row[1] == "p" || *row[1] == "u")) conn.exec(sql::pg_drop_constraint(options.schema, name, *row[0]), what);
        for (const auto& row : conn.query_rows(std::string(sql::k_pg_table_indexes), {qualified}, what))
            conn.exec(sql::pg_drop_index(options.schema, *row[0]), what);
        for (const auto& row : conn.query_rows(std::string(sql::k_pg_table_identities), {qualified}, what))
            conn.exec(sql::pg_drop_identity(options.schema, name, *row[0]), what);
    }
    auto objects = create_table_constraints(conn, plan, options, table, kept);
    set_table_phase(conn, options.schema, name, phase::k_indexed);
    return objects;
}

void drop_foreign_keys(PgConnection& pg, const MigrationPlan& plan, const std::string& schema, const std::vector<bool>& kept) {
    for (std::size_t t = 0; t < plan.tables.size(); ++t) {
        if (t < kept.size() && kept[t]) continue;
        const std::string& name = plan.tables[t].name;
        const std::string what = "resetting the foreign keys of table \"" + name + "\"";
        for (const auto& row : pg.query_rows(std::string(sql::k_pg_table_constraints), {sql::pg_qualified(schema, name)}, what))
            if (row[1] && *row[1] == "f") pg.exec(sql::pg_drop_constraint(schema, name, *row[0]), what);
    }
}

void complete_run(PgConnection& pg, const MigrationPlan& plan, const LoadTarget& target, const MigrateOptions& options,
                  RejectsFile& rejects, std::int64_t applied_seq) {
    set_run_phase(pg, options.schema, phase::k_complete);
    if (!options.incremental) {
        drop_run_state(pg, options.schema);
        return;
    }
    replay_changes(plan, target, options, applied_seq, rejects);
}

}  // namespace aaiti::migrate
