#include "commands/migrate_command.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>

#include "common/config.h"
#include "common/error.h"
#include "migrate/migrate.h"
#include "migrate/report.h"
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

    const migrate::MigrationReport report = migrate::run_migration(m);

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

}  // namespace aaiti::cli
