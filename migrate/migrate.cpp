#include "migrate/migrate.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <chrono>

#include "common/error.h"
#include "common/logging.h"
#include "common/postgres.h"
#include "common/secrets.h"
#include "migrate/change_capture.h"
#include "migrate/constraints.h"
#include "migrate/generated_columns.h"
#include "migrate/incremental_sync.h"
#include "migrate/introspect.h"
#include "migrate/loader.h"
#include "migrate/parallel.h"
#include "migrate/pg_connection.h"
#include "migrate/plan.h"
#include "migrate/profile.h"
#include "migrate/progress.h"
#include "migrate/rejects_file.h"
#include "migrate/resume.h"
#include "migrate/sqlite_source.h"
#include "migrate/target_setup.h"
#include "migrate/triggers.h"
#include "migrate/verify.h"
#include "migrate/views.h"

namespace aaiti::migrate {
namespace {

class PhaseClock {
public:
    PhaseClock(MigrationReport& report, LoadProgress* progress) : report_(report), progress_(progress) {}
    template <typename F>
    auto run(const char* name, F&& f) {
        if (progress_) progress_->set_phase(name);
        const auto started = std::chrono::steady_clock::now();
        struct Record {
            MigrationReport& r;
            const char* n;
            std::chrono::steady_clock::time_point s;
            ~Record() { r.phases.push_back({n, std::chrono::duration<double>(std::chrono::steady_clock::now() - s).count()}); }
        } record{report_, name, started};
        return f();
    }

private:
    MigrationReport& report_;
    LoadProgress* progress_;
};

std::string key_mapping(const TablePlan& t) {
    if (t.key_column < 0) {
        if (t.primary_key.empty()) return "none";
        for (const auto& c : t.columns)
            if (c.key_role == KeyRole::uuid_reference && t.column(c.name) &&
                std::find(t.primary_key.begin(), t.primary_key.end(), c.name) != t.primary_key.end())
                return "uuid references";
        return "kept";
    }
    const auto role = t.columns[static_cast<std::size_t>(t.key_column)].key_role;
    if (role == KeyRole::identity) return "identity";
    return t.legacy_id_column.empty() ? "uuid" : "uuid+legacy_id";
}

TableReport table_report(const TablePlan& t, const TableLoadResult* loaded) {
    TableReport r;
    r.source_name = t.name;
    r.target_name = t.name;
    r.key_mapping = key_mapping(t);
    r.rows_read = loaded ? loaded->rows_read : t.rows;
    r.status = loaded && loaded->committed ? "loaded" : "planned";
    if (loaded) {
        r.rows_written = loaded->rows_written;
        r.rows_rejected = loaded->rows_rejected;
        r.load_seconds = loaded->seconds;
    }
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        const ColumnPlan& c = t.columns[i];
        ColumnReport cr;
        cr.name = c.name;
        cr.declared_type = c.declared_type;
        const auto& p = c.profile;
        for (const auto& [name, n] : {std::pair{"integer", p.integers}, {"real", p.reals}, {"text", p.texts}, {"blob", p.blobs}, {"null", p.nulls}})
            if (n > 0) cr.storage_classes[name] = n;
        cr.chosen_type = std::string(to_sql(c.type()));
        cr.key = std::string(to_string(c.key_role));
        cr.not_null = c.not_null;
        cr.coercions = c.decision.coercions;
        if (loaded && i < loaded->values_nulled.size()) cr.values_nulled = loaded->values_nulled[i];
        r.columns.push_back(std::move(cr));
    }
    if (!t.legacy_id_column.empty()) {
        ColumnReport cr;
        cr.name = t.legacy_id_column;
        cr.chosen_type = "bigint";
        cr.not_null = true;
        cr.coercions.push_back("the old integer key (--keep-legacy-ids)");
        r.columns.push_back(std::move(cr));
    }
    for (std::size_t f = 0; f < t.foreign_keys.size(); ++f) {
        const ForeignKeyPlan& fk = t.foreign_keys[f];
        ForeignKeyReport fr;
        fr.columns = fk.source.columns;
        fr.parent_table = fk.source.parent_table;
        fr.parent_columns = fk.source.parent_columns;
        fr.orphans = fk.orphans;
        if (fk.null_orphans) fr.orphan_action = "set null";
        if (fk.not_valid) fr.orphan_action = "kept (NOT VALID)";
        r.foreign_keys.push_back(std::move(fr));
    }
    return r;
}

void check_options(const MigrateOptions& o) {
    if (o.source_path.empty()) throw UsageError("migrate: no source; pass --source PATH or set SQLITE_DB_PATH");
    if (o.target_url.empty() && !o.plan_only)
        throw UsageError("migrate: no target; pass --target URL or set WRITE_DB_URL / DB_HOST, DB_NAME, ...");
    if (o.schema.empty()) throw UsageError("migrate: --schema must not be empty");
    if (o.jobs < 1) throw UsageError("migrate: -j must be at least 1");
    if (o.keep_legacy_ids && o.keys != KeyStrategy::uuid) throw UsageError("migrate: --keep-legacy-ids only applies to --keys uuid");
    if (o.plan_only && (o.resume || o.incremental || o.finish))
        throw UsageError("migrate: --plan writes nothing; it does not go with --resume, --incremental or --finish");
    if (o.resume && o.if_exists != IfExists::fail)
        throw UsageError("migrate: --resume continues the recorded run; --if-exists " + std::string(to_string(o.if_exists)) +
                         " would start a new one. Pass one of them");
    if (o.finish && o.if_exists != IfExists::fail) throw UsageError("migrate: --finish does not go with --if-exists");
    if (o.batch_rows < 1) throw UsageError("migrate: --batch-rows must be at least 1");
}

}  // namespace

MigrationReport run_migration(const MigrateOptions& options) {
    check_options(options);
    MigrationReport report;
    report.source = options.source_path;
    report.target = options.target_url.empty() ? "" : mask_secrets_in_url(options.target_url);
    report.schema = options.schema;
    report.keys = std::string(to_string(options.keys));
    report.uuid_namespace = options.keys == KeyStrategy::uuid ? key_namespace().to_string() : "";
    report.on_bad_value = std::string(to_string(options.on_bad_value));
    report.on_orphan = std::string(to_string(options.on_orphan));
    report.if_exists = std::string(to_string(options.if_exists));
    report.plan_only = options.plan_only;
    report.keep_legacy_ids = options.keep_legacy_ids;
    report.verify_requested = options.verify;
    report.resume = options.resume;
    report.incremental = options.incremental;
    report.finish = options.finish;
    report.batch_rows = options.batch_rows;
    report.jobs = options.jobs;
    PhaseClock clock(report, options.progress);

    // An unreachable server or a malformed URL is found before minutes of reading (exit 69 / 78).
    if (!options.plan_only) auto probe = connect_postgres({options.target_url, "aaitictl-migrate"});
    // A target whose capture run completed only needs the source's changes (incremental_sync.h).
    if (!options.plan_only && (options.incremental || options.finish))
        if (auto synced = run_incremental_sync(options, report)) return *synced;

    const SourceSchema schema = clock.run("introspect", [&] {
        // No PRAGMA quick_check: the profile pass reads every row of every table before anything is written,
        // and SQLite reports a corrupt page it meets there (exit 65), for a fraction of the time.
        auto db = open_source_database(options.source_path, false);
        return introspect_sqlite(*db, options.source_path);
    });
    // A resumed run plans from the first run's profiles: same plan, and no second pass over the data.
    const RunStart start = options.plan_only ? RunStart{} : open_run(options, schema);
    // A role that may not create the tables is told so now, not after minutes of profiling.
    if (!options.plan_only && !start.resuming) {
        PgConnection pg(options.target_url);
        check_target_privileges(pg, schema, options);
    }
    const auto profiles = start.resuming ? start.profiles : clock.run("profile", [&] {
        std::vector<TableProfile> out(schema.tables.size());
        parallel_for(schema.tables.size(), options.jobs, [&](std::size_t i) {
            auto db = open_source_database(options.source_path, false);
            out[i] = profile_table(*db, options.source_path, schema, schema.tables[i]);
        });
        return out;
    });
    const MigrationPlan plan = clock.run("plan", [&] {
        MigrationPlan p = build_plan(schema, profiles, options);
        if (options.plan_only)
            note_planned_generated_columns(p);
        else
            settle_generated_columns(options.target_url, p, options.schema);
        return p;
    });
    report.warnings = plan.warnings;

    if (options.plan_only) {
        for (const auto& t : plan.tables) report.tables.push_back(table_report(t, nullptr));
        report.objects = planned_constraints(plan, options);
        for (auto& o : report.objects)
            if (o.reason.empty()) o.reason = "planned (--plan writes nothing)";
        for (auto& o : planned_views(plan, options.schema)) {
            if (o.reason.empty()) o.reason = "planned (--plan writes nothing)";
            report.objects.push_back(std::move(o));
        }
        for (auto& o : planned_triggers(plan, options.schema)) {
            if (o.reason.empty()) o.reason = "planned (--plan writes nothing)";
            report.objects.push_back(std::move(o));
        }
        for (auto& o : untranslated_objects(plan)) report.objects.push_back(std::move(o));
        return report;
    }

    PgConnection pg(options.target_url);
    if (!start.resuming) check_target_tables(pg, plan, options);
    // Before any row is read for the load: every change from here on is in the log (change_capture.h).
    if (options.incremental)
        for (auto& o : clock.run("capture", [&] { return install_change_capture(options.source_path, schema); }))
            report.objects.push_back(std::move(o));
    RejectsFile rejects(options.rejects_path);
    report.rejects_file = options.rejects_path;
    const LoadTarget target{options.source_path, options.target_url, options.schema, key_namespace(), options.progress};

    const std::vector<bool> truncated = start.resuming ? start.kept : clock.run("create", [&] {
        return create_target_tables(pg, plan, options, [&](PgConnection& conn, const std::vector<bool>& kept) {
            write_new_run_state(conn, options.schema, new_run_state(options, schema, profiles, kept));
        });
    });
    // Where each table stands (plan order): all pending for a new run, as recorded for a resumed one.
    std::vector<TableRunState> table_states(plan.tables.size());
    std::vector<bool> redo_objects(plan.tables.size(), false);
    for (std::size_t i = 0; i < plan.tables.size(); ++i) {
        table_states[i].name = plan.tables[i].name;
        if (const TableRunState* recorded = start.resuming ? start.state.table(plan.tables[i].name) : nullptr) table_states[i] = *recorded;
        redo_objects[i] = table_states[i].phase == phase::k_loaded;
    }
    LoadResume resume{options.schema, options.batch_rows, &table_states, options.incremental};
    const bool any_truncated = std::find(truncated.begin(), truncated.end(), true) != truncated.end();
    if (any_truncated)
        report.warnings.push_back("--if-exists=truncate: existing tables kept their constraints, so they were loaded one at a time, "
                                  "parents first");
    // Each table's keys and indexes are built by its worker right after its rows commit, so they overlap
    // the loading of other tables; foreign keys wait for every table.
    std::vector<std::vector<ObjectReport>> table_objects(plan.tables.size());
    const auto loaded = clock.run("load", [&] {
        return load_tables(plan, target, options.jobs, rejects, any_truncated, [&](std::size_t t, PgConnection& conn) {
            table_objects[t] = build_table_objects(conn, plan, options, t, truncated[t], redo_objects[t]);
        }, &resume);
    });
    for (std::size_t i = 0; i < plan.tables.size(); ++i) report.tables.push_back(table_report(plan.tables[i], &loaded[i]));
    for (auto& objects : table_objects)
        for (auto& o : objects) report.objects.push_back(std::move(o));
    if (start.resuming) drop_foreign_keys(pg, plan, options.schema, truncated);
    for (auto& o : clock.run("foreign keys", [&] { return create_foreign_keys(pg, plan, options, truncated); }))
        report.objects.push_back(std::move(o));
    clock.run("complete", [&] { complete_run(pg, plan, target, options, rejects, start.state.applied_seq); });
    rejects.close();
    report.rejects_written = rejects.records();
    for (auto& o : clock.run("views", [&] { return create_views(options.target_url, plan, options.schema); }))
        report.objects.push_back(std::move(o));
    // After the views (a trigger body may read one). A capture run's later replays copy rows whose
    // trigger effects were captured too: firing them in the target would apply those effects twice.
    const std::string defer = options.incremental ? "not created yet: --finish creates it after the last replay "
                                                    "(replayed changes already hold what it did in SQLite)"
                                                  : "";
    for (auto& o : clock.run("triggers", [&] { return create_triggers(options.target_url, plan, options.schema, defer); }))
        report.objects.push_back(std::move(o));
    for (auto& o : untranslated_objects(plan)) report.objects.push_back(std::move(o));
    for (const auto& o : report.objects)
        if (!o.created && o.reason.rfind("the table existed", 0) != 0 && (o.kind == "foreign key" || o.kind == "primary key" || o.kind == "unique" || o.kind == "index"))
            report.warnings.push_back(o.kind + " " + o.name + " not created: " + o.reason);
    if (options.verify) report.verify = clock.run("verify", [&] { return verify_migration(plan, target, options.jobs); });
    return report;
}

}  // namespace aaiti::migrate
