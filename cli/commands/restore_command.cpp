#include "commands/restore_command.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "backup/backup.h"
#include "backup/backup_id.h"
#include "backup_output.h"
#include "backup_settings.h"
#include "common/error.h"
#include "common/time_text.h"

namespace aaiti::cli {
namespace {

class RestoreCommand final : public Command {
public:
    void add_to(CLI::App& parent) override {
        command_ = parent.add_subcommand("restore", "Restore a backup by id, the latest, or the newest at a time");
        command_->footer(k_global_options_footer);
        command_->add_option("id", options_.backup_id, "Backup id (see `aaitictl backup list`)")->type_name("ID");
        command_->add_flag("--latest", options_.latest, "The newest complete backup");
        command_->add_option("--at", at_,
                             "The newest complete backup taken at or before TIME (2026-11-26T01:30:00Z; a bare date: "
                             "that whole day)")
            ->type_name("TIME");
        command_->add_option("--db", flags_.database_url, "Target database URL (default: WRITE_DB_URL, else DB_*, else the running stack's primary)")
            ->type_name("URL");
        command_->add_option("--password-file", flags_.password_file,
                             "PostgreSQL password (default: DB_PASSWORD_FILE, DB_PASSWORD, the URL's, the stack's secrets/db_password)")
            ->type_name("FILE");
        command_->add_flag("--create", options_.create, "Create the target database first");
        command_->add_flag("--force", options_.force, "Restore into a non-empty database, replacing the backup's objects");
        command_->add_option("--table", options_.tables, "Restore only this table (repeatable)")->type_name("TABLE");
        command_->add_option("-j,--jobs", options_.jobs,
                             "Parallel pg_restore jobs (default 1, streaming; > 1 decrypts to a temporary file first)")
            ->capture_default_str()
            ->check(CLI::Range(1, 64))
            ->type_name("N");
        command_->add_option("--repo", flags_.repository, "Backup repository directory (default: BACKUP_REPOSITORY)")
            ->type_name("DIR");
        command_->add_option("--key-file", flags_.key_file, "Key file the backup was made with (default: BACKUP_KEY_FILE)")
            ->type_name("FILE");
        command_->add_option("--passphrase-file", flags_.passphrase_file,
                             "Passphrase file the backup was made with (default: BACKUP_PASSPHRASE_FILE)")
            ->type_name("FILE");
        command_->add_option("--pg-bindir", flags_.pg_bindir, "Directory of pg_restore")->type_name("DIR");
        command_->add_flag("--no-progress", no_progress_, "No progress line on a terminal");
    }

    bool chosen() const override { return command_->parsed(); }

    int run(const GlobalOptions& globals) override {
        const int choices = (options_.backup_id.empty() ? 0 : 1) + (options_.latest ? 1 : 0) + (at_.empty() ? 0 : 1);
        if (choices != 1) throw UsageError("restore: name exactly one backup: an ID, --latest or --at TIME");
        if (!at_.empty()) options_.at_unix = backup::parse_time_argument(at_);
        const Config config = load_config(globals);
        options_.repository = effective_repository(flags_, config);
        options_.key = effective_key_source(flags_, config);
        const StackDatabase database = effective_database(flags_, config);
        options_.database_url = database.write_url;
        options_.pg_bindir = flags_.pg_bindir;
        ByteProgress progress("restore", !no_progress_);
        options_.progress = progress.callback();
        const auto result = with_password_hint(database, [&] { return backup::restore_backup(options_); });
        if (globals.output == OutputFormat::json) {
            std::cout << restore_result_json(result) << '\n';
        } else {
            char seconds[32];
            std::snprintf(seconds, sizeof seconds, "%.1f", result.seconds);
            std::cout << "restored backup " << result.manifest.id << " (" << format_utc(result.manifest.started_at_ms / 1000)
                      << ", " << human_bytes(result.manifest.raw_bytes) << ") into " << result.database
                      << (result.created ? " (created)" : "") << " in " << seconds << " s\n";
        }
        return exit_code::k_ok;
    }

private:
    CLI::App* command_ = nullptr;
    backup::RestoreOptions options_;
    BackupFlags flags_;
    std::string at_;
    bool no_progress_ = false;
};

}  // namespace

std::unique_ptr<Command> make_restore_command() { return std::make_unique<RestoreCommand>(); }

}  // namespace aaiti::cli
