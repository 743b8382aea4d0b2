#include "commands/migrate_command.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <thread>
#include <unistd.h>

#include "common/config.h"
#include "common/error.h"
#include "common/logging.h"
#include "migrate/migrate.h"
#include "migrate/report.h"
#include "migrate_progress.h"
#include "table.h"

namespace aaiti::cli {
namespace {

std::string seconds(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", s);
    return buf;
}

std::string joined(const std::vector<std::string>& v, const char* sep = ", ") {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
    return out;
}

void print_report_table(std::ostream& out, const migrate::MigrationReport& r, bool color) {
    out << (r.plan_only ? "plan (nothing written): " : "migrated: ") << r.source;
    if (!r.target.empty()) out << " -> " << r.target;
    out << "  schema " << r.schema << "  keys " << r.keys << "\n\n";

    Table tables{{"TABLE", "READ", "WRITTEN", "REJECTED", "ORPHANS", "KEYS", "STATUS", "SECONDS"}, {}};
    std::int64_t read = 0, written = 0, rejected = 0, orphans = 0;
    for (const auto& t : r.tables) {
        std::int64_t o = 0;
        for (const auto& f : t.foreign_keys) o += f.orphans;
        tables.rows.push_back({t.target_name, std::to_string(t.rows_read), r.plan_only ? "-" : std::to_string(t.rows_written),
                               std::to_string(t.rows_rejected), std::to_string(o), t.key_mapping, t.status, seconds(t.load_seconds)});
        read += t.rows_read, written += t.rows_written, rejected += t.rows_rejected, orphans += o;
    }
    tables.rows.push_back({"total", std::to_string(read), r.plan_only ? "-" : std::to_string(written), std::to_string(rejected),
                           std::to_string(orphans), "", "", ""});
    print_table(out, tables, color);

    if (r.plan_only) {
        out << '\n';
        Table columns{{"TABLE", "COLUMN", "DECLARED", "OBSERVED", "TYPE", "KEY", "NOTES"}, {}};
        for (const auto& t : r.tables)
            for (const auto& c : t.columns) {
                std::string observed;
                for (const auto& [k, n] : c.storage_classes) observed += (observed.empty() ? "" : ",") + k + ":" + std::to_string(n);
                columns.rows.push_back({t.target_name, c.name, c.declared_type.empty() ? "-" : c.declared_type,
                                        observed.empty() ? "-" : observed, c.chosen_type, c.key.empty() ? "-" : c.key,
                                        joined(c.coercions, "; ")});
            }
        print_table(out, columns, color);
    }

    int created = 0, skipped = 0;
    for (const auto& o : r.objects) (o.created ? created : skipped)++;
    out << "\nconstraints and indexes: " << created << " created, " << skipped << (r.plan_only ? " planned or not translated" : " skipped")
        << '\n';
    for (const auto& o : r.objects)
        if (!o.created && !r.plan_only) out << "  skipped " << o.kind << " " << o.name << ": " << o.reason << '\n';
    if (r.plan_only)
        for (const auto& o : r.objects)
            out << "  " << o.kind << " " << o.name << ": " << (o.sql.empty() ? o.reason : o.sql)
                << (o.validate_sql.empty() ? "" : "; then VALIDATE CONSTRAINT") << '\n';
    if (!r.warnings.empty()) {
        out << "\nwarnings:\n";
        for (const auto& w : r.warnings) out << "  " << w << '\n';
    }
    if (!r.rejects_file.empty()) out << "\nrejects: " << r.rejects_written << " records in " << r.rejects_file << '\n';
    if (r.verify.ran) {
        out << "\nverify: " << (r.verify.ok ? "ok" : "MISMATCH") << " (" << r.verify.tables_checked << " tables, "
            << r.verify.foreign_keys_checked << " foreign keys)\n";
        for (const auto& m : r.verify.mismatches) out << "  " << m << '\n';
    }
    out << "\nphases:";
    for (const auto& p : r.phases) out << ' ' << p.name << ' ' << seconds(p.seconds) << 's';
    out << '\n';
}

}  // namespace

int run_migrate_command(const GlobalOptions& options, MigrateCommandOptions command) {
    const Config config = load_config(options);
    auto& m = command.migrate;
    if (m.source_path.empty()) m.source_path = config.get_or("SQLITE_DB_PATH", "");
    if (m.target_url.empty() && !m.plan_only) m.target_url = config.write_db_url();

    // An unwritable --report path is found before the migration runs, not after.
    std::ofstream report_out;
    if (!command.report_file.empty()) {
        report_out.open(command.report_file, std::ios::out | std::ios::trunc);
        if (!report_out)
            throw IoError("migrate: cannot write the report to \"" + command.report_file + "\": " + std::strerror(errno));
    }

    // Progress goes to stderr, so it is drawn with -o json too: stdout keeps only the report.
    migrate::LoadProgress progress;
    m.progress = &progress;
    auto display = start_migrate_progress(progress, !command.no_progress, logging::use_color(STDERR_FILENO, options.no_color));
    const migrate::MigrationReport report = migrate::run_migration(m);
    progress.set_phase("done");  // only on success: after a failure the last frame names the phase that failed
    display.reset();             // its last frame stays above the report

    if (report_out.is_open()) {
        std::ofstream& file = report_out;
        file << migrate::report_to_json(report) << '\n';
        file.flush();
        if (!file) throw IoError("migrate: cannot write the report to \"" + command.report_file + "\": " + std::strerror(errno));
    }
    if (options.output == OutputFormat::json) {
        std::cout << migrate::report_to_json(report) << '\n';
    } else {
        print_report_table(std::cout, report, stdout_color(options));
    }
    if (report.verify.ran && !report.verify.ok) {
        std::cerr << "aaitictl: migrate: verification failed: " << report.verify.mismatches.front() << '\n';
        return exit_code::k_failed;
    }
    return exit_code::k_ok;
}

namespace {

class MigrateCommand final : public Command {
public:
    void add_to(CLI::App& parent) override {
        options_.migrate.jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
        auto& m = options_.migrate;
        command_ = parent.add_subcommand("migrate", "Move a SQLite database into PostgreSQL (UUID keys, COPY, verify)");
        command_->footer(k_global_options_footer);
        command_->add_option("--source", m.source_path, "SQLite file to read (default: SQLITE_DB_PATH)")->type_name("PATH");
        command_->add_option("--target", m.target_url, "PostgreSQL URL to write (default: WRITE_DB_URL, else built from DB_*)")
            ->type_name("URL");
        command_->add_option("--schema", m.schema, "Target schema (created if missing)")->capture_default_str();
        command_->add_option("--keys", keys_, "Integer keys: uuid (UUIDv5, references rewritten) or keep (identity after max)")
            ->check(CLI::IsMember({"uuid", "keep"}))
            ->capture_default_str();
        command_->add_flag("--keep-legacy-ids", m.keep_legacy_ids, "With --keys uuid: keep the old integer key in a legacy_id column");
        command_->add_option("-j,--jobs", m.jobs,
                             "Tables profiled, loaded and verified in parallel, one connection each (default: the core count)")
            ->check(CLI::Range(1, 256))
            ->type_name("N");
        command_->add_option("--on-bad-value", on_bad_value_, "A value that does not fit its declared type")
            ->check(CLI::IsMember({"text", "null", "reject", "fail"}))
            ->capture_default_str();
        command_->add_option("--on-orphan", on_orphan_, "A foreign key value without a parent row")
            ->check(CLI::IsMember({"null", "keep", "fail"}))
            ->capture_default_str();
        command_->add_option("--if-exists", if_exists_, "A target table that already exists")
            ->check(CLI::IsMember({"fail", "truncate", "drop"}))
            ->capture_default_str();
        command_->add_flag("--plan", m.plan_only, "Print the plan (types, keys, policies); write nothing");
        command_->add_flag("--verify", m.verify, "Compare source and target after the load; exit 1 on mismatch");
        command_->add_flag("--resume", m.resume, "Continue the partial run recorded in the target schema (same source and options)");
        command_->add_flag("--incremental", m.incremental,
                           "First run: install change-capture triggers in the SOURCE and migrate; later runs: replay its changes");
        command_->add_flag("--finish", m.finish, "Last --incremental sync, then remove the triggers and change log from the source");
        command_->add_option("--batch-rows", m.batch_rows, "Rows per committed COPY batch (the unit --resume restarts from)")
            ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40))
            ->capture_default_str()
            ->type_name("N");
        command_->add_flag("--no-progress", options_.no_progress, "No live progress display on a terminal (stderr)");
        command_->add_option("--report", options_.report_file, "Also write the JSON report to FILE")->type_name("FILE");
        command_->add_option("--rejects", m.rejects_path, "Write rejected rows and orphans (JSON lines) to FILE")->type_name("FILE");
    }
    bool chosen() const override { return command_->parsed(); }
    int run(const GlobalOptions& globals) override {
        // The checks above already restrict these to the names the parsers accept.
        options_.migrate.keys = migrate::parse_key_strategy(keys_);
        options_.migrate.on_bad_value = migrate::parse_bad_value_policy(on_bad_value_);
        options_.migrate.on_orphan = migrate::parse_orphan_policy(on_orphan_);
        options_.migrate.if_exists = migrate::parse_if_exists(if_exists_);
        return run_migrate_command(globals, options_);
    }

private:
    CLI::App* command_ = nullptr;
    MigrateCommandOptions options_;
    // The policy flags as typed; run() turns them into the enums of migrate/options.h.
    std::string keys_ = "uuid", on_bad_value_ = "text", on_orphan_ = "null", if_exists_ = "fail";
};

}  // namespace

std::unique_ptr<Command> make_migrate_command() { return std::make_unique<MigrateCommand>(); }

}  // namespace aaiti::cli
