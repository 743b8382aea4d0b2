#include "commands/backup_command.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>
#include <thread>

#include "backup/backup.h"
#include "backup_output.h"
#include "backup_settings.h"
#include "common/error.h"
#include "table.h"

namespace aaiti::cli {
namespace {

void add_repository_flag(CLI::App* app, BackupFlags& flags) {
    app->add_option("--repo", flags.repository, "Backup repository directory (default: BACKUP_REPOSITORY)")
        ->type_name("DIR");
}

void add_password_flag(CLI::App* app, BackupFlags& flags) {
    app->add_option("--password-file", flags.password_file,
                    "PostgreSQL password (default: DB_PASSWORD_FILE, DB_PASSWORD, the URL's, the stack's secrets/db_password)")
        ->type_name("FILE");
}

void add_key_flags(CLI::App* app, BackupFlags& flags) {
    app->add_option("--key-file", flags.key_file, "32-byte key: raw, 64 hex digits or base64 (default: BACKUP_KEY_FILE)")
        ->type_name("FILE");
    app->add_option("--passphrase-file", flags.passphrase_file,
                    "Passphrase stretched with argon2id (default: BACKUP_PASSPHRASE_FILE)")
        ->type_name("FILE");
}

class BackupCommand final : public Command {
public:
    void add_to(CLI::App& parent) override {
        command_ = parent.add_subcommand("backup", "Compressed, encrypted, verified PostgreSQL backups");
        command_->footer(k_global_options_footer);
        command_->require_subcommand(1);

        create_ = command_->add_subcommand("create", "Dump a database into the repository (pg_dump, zstd, XChaCha20)");
        create_->footer(k_global_options_footer);
        create_->add_option("--db", flags_.database_url, "Database URL (default: WRITE_DB_URL, else DB_*, else the running stack's primary)")
            ->type_name("URL");
        add_password_flag(create_, flags_);
        add_repository_flag(create_, flags_);
        add_key_flags(create_, flags_);
        create_->add_flag("--no-encrypt", flags_.no_encrypt, "Store the backup unencrypted (explicit opt-out)");
        create_->add_option("--label", create_options_.label,
                             "Free text recorded in the manifest; prune keeps a labelled backup until `prune --label` names it");
        create_->add_option("-j,--jobs", create_options_.jobs, "zstd worker threads (default: the core count)")
            ->check(CLI::Range(1, 64))
            ->type_name("N");
        create_->add_option("--level", create_options_.compression_level, "zstd level")
            ->check(CLI::Range(1, 19))
            ->capture_default_str();
        create_->add_option("--pg-bindir", flags_.pg_bindir, "Directory of pg_dump (default: matches the server)")
            ->type_name("DIR");
        create_->add_flag("--no-progress", no_progress_, "No progress line on a terminal");

        list_ = command_->add_subcommand("list", "Every backup: id, time, database, sizes, duration, state");
        list_->footer(k_global_options_footer);
        add_repository_flag(list_, flags_);

        verify_ = command_->add_subcommand("verify", "Re-read checksums and authenticate (default: the latest backup)");
        verify_->footer(k_global_options_footer);
        verify_->add_option("id", verify_options_.backup_ids, "Backup ids")->type_name("ID");
        verify_->add_flag("--all", verify_options_.all, "Every backup in the repository");
        verify_->add_flag("--restore-test", verify_options_.restore_test,
                          "Also restore into a scratch database and compare row counts with the manifest");
        verify_->add_option("--db", flags_.database_url, "Server for --restore-test (default: WRITE_DB_URL, else DB_*, else the running stack's primary)")
            ->type_name("URL");
        add_password_flag(verify_, flags_);
        add_repository_flag(verify_, flags_);
        add_key_flags(verify_, flags_);
        verify_->add_option("--pg-bindir", flags_.pg_bindir, "Directory of pg_restore")->type_name("DIR");

        prune_ = command_->add_subcommand("prune", "Remove backups no retention rule keeps (and incomplete ones)");
        prune_->footer(k_global_options_footer);
        add_repository_flag(prune_, flags_);
        prune_->add_option("--keep-last", prune_options_.rules.keep_last, "Keep the N newest")->check(CLI::NonNegativeNumber)->type_name("N");
        prune_->add_option("--keep-daily", prune_options_.rules.keep_daily, "Keep the newest of each of the last N days")
            ->check(CLI::NonNegativeNumber)->type_name("N");
        prune_->add_option("--keep-weekly", prune_options_.rules.keep_weekly, "Keep the newest of each of the last N ISO weeks")
            ->check(CLI::NonNegativeNumber)->type_name("N");
        prune_->add_option("--keep-monthly", prune_options_.rules.keep_monthly, "Keep the newest of each of the last N months")
            ->check(CLI::NonNegativeNumber)->type_name("N");
        prune_->add_option("--label", prune_options_.rules.label,
                           "Apply the rules to the backups with this label alone (without it: to unlabelled and "
                           "scheduled backups; other labelled ones are kept)")
            ->type_name("LABEL");
        prune_->add_flag("--dry-run", prune_options_.dry_run,
                         "Show what would be removed and why each is kept or goes; remove nothing");
    }

    bool chosen() const override { return command_->parsed(); }

    int run(const GlobalOptions& globals) override {
        const Config config = load_config(globals);
        if (create_->parsed()) return run_create(globals, config);
        if (list_->parsed()) return run_list(globals, config);
        if (verify_->parsed()) return run_verify(globals, config);
        return run_prune(globals, config);
    }

private:
    int run_create(const GlobalOptions& globals, const Config& config) {
        auto& o = create_options_;
        const StackDatabase database = effective_database(flags_, config);
        o.database_url = database.write_url;
        o.repository = effective_repository(flags_, config);
        o.key = effective_key_source(flags_, config);
        o.pg_bindir = flags_.pg_bindir;
        if (create_->count("--jobs") == 0) o.jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
        ByteProgress progress("backup", !no_progress_);
        o.progress = progress.callback();
        const auto result = with_password_hint(database, [&] { return backup::create_backup(o); });
        if (globals.output == OutputFormat::json) std::cout << create_result_json(result) << '\n';
        else std::cout << backup_summary_line(result) << '\n';
        return exit_code::k_ok;
    }

    int run_list(const GlobalOptions& globals, const Config& config) {
        const auto entries = backup::list_backups(effective_repository(flags_, config));
        if (globals.output == OutputFormat::json) std::cout << backup_list_json(entries) << '\n';
        else print_backup_list(std::cout, entries, stdout_color(globals));
        return exit_code::k_ok;
    }

    int run_verify(const GlobalOptions& globals, const Config& config) {
        auto& o = verify_options_;
        if (o.all && !o.backup_ids.empty()) throw UsageError("backup verify: give backup ids or --all, not both");
        o.repository = effective_repository(flags_, config);
        o.key = effective_key_source(flags_, config);
        o.pg_bindir = flags_.pg_bindir;
        std::optional<StackDatabase> database;
        if (o.restore_test) {
            database = effective_database(flags_, config);
            o.database_url = database->write_url;
        }
        const auto outcomes = database ? with_password_hint(*database, [&] { return backup::verify_backups(o); }) : backup::verify_backups(o);
        bool ok = true;
        for (const auto& outcome : outcomes) ok = ok && outcome.ok;
        if (globals.output == OutputFormat::json) {
            std::cout << verify_outcomes_json(outcomes) << '\n';
        } else {
            Table table{{"ID", "RESULT", "SECONDS", "PROBLEMS"}, {}};
            for (const auto& outcome : outcomes) {
                std::string problems;
                for (const auto& p : outcome.problems) problems += (problems.empty() ? "" : "; ") + p;
                char seconds[32];
                std::snprintf(seconds, sizeof seconds, "%.2f", outcome.seconds);
                table.rows.push_back({outcome.id,
                                      outcome.ok ? (outcome.restore_tested ? "ok (restore tested)" : "ok") : "FAILED",
                                      seconds, problems.empty() ? "-" : problems});
            }
            print_table(std::cout, table, stdout_color(globals));
        }
        return ok ? exit_code::k_ok : exit_code::k_failed;
    }

    int run_prune(const GlobalOptions& globals, const Config& config) {
        prune_options_.repository = effective_repository(flags_, config);
        const auto plan = backup::prune_backups(prune_options_);
        if (globals.output == OutputFormat::json) {
            std::cout << prune_plan_json(plan, prune_options_.dry_run) << '\n';
            return exit_code::k_ok;
        }
        Table table{{"ID", prune_options_.dry_run ? "WOULD" : "DONE", "WHY"}, {}};
        for (const auto& d : plan) {
            std::string why;
            for (const auto& r : d.reasons) why += (why.empty() ? "" : ", ") + r;
            table.rows.push_back({d.id, d.keep ? "keep" : "remove", why});
        }
        print_table(std::cout, table, stdout_color(globals));
        return exit_code::k_ok;
    }

    CLI::App* command_ = nullptr;
    CLI::App* create_ = nullptr;
    CLI::App* list_ = nullptr;
    CLI::App* verify_ = nullptr;
    CLI::App* prune_ = nullptr;
    BackupFlags flags_;
    backup::CreateOptions create_options_;
    backup::VerifyOptions verify_options_;
    backup::PruneOptions prune_options_;
    bool no_progress_ = false;
};

}  // namespace

std::unique_ptr<Command> make_backup_command() { return std::make_unique<BackupCommand>(); }

}  // namespace aaiti::cli
