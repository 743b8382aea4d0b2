#include "migrate/incremental_sync.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>

#include "common/error.h"
#include "migrate/change_capture.h"
#include "migrate/change_replay.h"
#include "migrate/generated_columns.h"
#include "migrate/introspect.h"
#include "migrate/pg_connection.h"
#include "migrate/plan.h"
#include "migrate/rejects_file.h"
#include "migrate/resume.h"
#include "migrate/run_state.h"
#include "migrate/sqlite_source.h"
#include "migrate/state_codec.h"
#include "migrate/triggers.h"
#include "migrate/verify.h"

namespace aaiti::migrate {
namespace {

double since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

std::optional<MigrationReport> run_incremental_sync(const MigrateOptions& options, MigrationReport report) {
    PgConnection pg(options.target_url);
    const RunState state = read_run_state(pg, options.schema);
    const std::string where = "schema \"" + options.schema + "\"";
    if (!state.exists || !state.capture() || state.phase != phase::k_complete) {
        if (!options.finish) return std::nullopt;  // the full run (or its resume) decides
        throw DataError("migrate: nothing to finish: " + where + " holds no completed migration with change capture" +
                        (state.exists && state.phase != phase::k_complete ? " (it is partial: complete it with --incremental --resume)"
                                                                          : "") +
                        "; --finish ends what --incremental started");
    }

    auto started = std::chrono::steady_clock::now();
    SourceSchema schema;
    {
        auto db = open_source_database(options.source_path, false);
        schema = introspect_sqlite(*db, options.source_path);
    }
    check_same_run(state, options, schema);
    std::vector<TableProfile> profiles;
    for (const auto& t : schema.tables) {
        const TableRunState* recorded = state.table(t.name);
        if (!recorded) throw DataError("migrate: table \"" + t.name + "\" is not in the recorded run; migrate again with --if-exists drop");
        profiles.push_back(decode_profile(recorded->profile));
    }
    MigrationPlan plan = build_plan(schema, profiles, options);
    settle_generated_columns(options.target_url, plan, options.schema);  // as the first run decided
    report.phases.push_back({"introspect", since(started)});

    started = std::chrono::steady_clock::now();
    // --finish holds the source's write lock from before the last replay until the capture is gone:
    // the application's writes wait instead of landing between the two and being lost.
    std::optional<CaptureRemoval> removal;
    if (options.finish) removal.emplace(options.source_path);
    RejectsFile rejects(options.rejects_path);
    report.rejects_file = options.rejects_path;
    const LoadTarget target{options.source_path, options.target_url, options.schema, key_namespace(), options.progress};
    const ReplayResult replayed = replay_changes(plan, target, options, state.applied_seq, rejects);
    rejects.close();
    report.rejects_written = rejects.records();
    report.phases.push_back({"sync", since(started)});
    if (removal) {
        for (auto& o : removal->remove_and_commit()) report.objects.push_back(std::move(o));
        drop_run_state(pg, options.schema);
        // The capture run left the source's triggers out of the target (migrate.cpp): no replay follows now.
        started = std::chrono::steady_clock::now();
        for (auto& o : create_triggers(options.target_url, plan, options.schema)) report.objects.push_back(std::move(o));
        report.phases.push_back({"triggers", since(started)});
    }

    for (std::size_t i = 0; i < plan.tables.size(); ++i) {
        TableReport t;
        t.source_name = t.target_name = plan.tables[i].name;
        t.status = replayed.changed[i] ? "synced" : "unchanged";
        t.rows_read = replayed.rows_written[i];
        t.rows_written = replayed.rows_written[i];
        t.key_mapping = plan.tables[i].primary_key.empty() ? "none (copied whole)" : "by key";
        report.tables.push_back(std::move(t));
    }
    if (options.verify) {
        started = std::chrono::steady_clock::now();
        report.verify = verify_migration(plan, target, options.jobs);
        report.phases.push_back({"verify", since(started)});
    }
    return report;
}

}  // namespace aaiti::migrate
