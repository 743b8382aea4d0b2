// aaitictl: builds the CLI11 app, runs the chosen verb, and turns every failure into the exit codes
// documented in man/aaitictl.1 (common/error.h). This is the only translation unit that includes
// CLI11: verbs live in commands/ and receive plain option structs.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <functional>
#include <iostream>
#include <string>
#include <thread>

#include "commands/config_command.h"
#include "commands/migrate_command.h"
#include "commands/version_command.h"
#include "common/error.h"
#include "common/logging.h"
#include "common/secrets.h"
#include "global_options.h"

namespace aaiti::cli {
namespace {

constexpr const char* k_global_footer =
    "Global options (--config, -o/--output, --log-level, --log-format, --no-color) may be given before or "
    "after the command. See aaitictl(1).";

void print_error(const std::string& message) {
    // Errors may quote a connection string from a library; never let a password through.
    std::cerr << "aaitictl: " << mask_secrets_in_text(message) << '\n';
}

// The app whose subcommand is missing (e.g. `config` in `aaitictl config`): the last one the parser
// entered. CLI11 keeps the chosen subcommands per level.
const CLI::App* deepest_parsed(const CLI::App* app) {
    for (;;) {
        const auto chosen = app->get_subcommands();
        if (chosen.empty()) return app;
        app = chosen.front();
    }
}

std::string command_names(const CLI::App* app) {
    std::string names;
    for (const CLI::App* sub : app->get_subcommands([](const CLI::App*) { return true; })) {
        if (!names.empty()) names += ", ";
        names += sub->get_name();
    }
    return names;
}

std::string command_path(const CLI::App* app) {
    std::string path = app->get_name();
    for (const CLI::App* p = app->get_parent(); p != nullptr; p = p->get_parent()) path = p->get_name() + " " + path;
    return path;
}

// CLI11 exits 105/106 on its own errors; we promise 64 for every usage error, with the message on
// stderr. --help and --version are "errors" with exit code 0 that print to stdout.
int handle_parse_error(const CLI::App& app, const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);

    const CLI::App* where = deepest_parsed(&app);
    if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr && where->get_require_subcommand_min() > 0 &&
        where->get_subcommands().empty()) {
        // CLI11 checks for the missing subcommand before it complains about extra words, so
        // `aaitictl frobnicate` lands here with "frobnicate" left over: name it.
        const auto left_over = app.remaining(true);
        if (!left_over.empty()) {
            print_error("unknown command '" + left_over.front() + "' after '" + command_path(where) +
                        "'; choose one of: " + command_names(where));
            std::cerr << "Run '" << command_path(where) << " --help' for usage.\n";
            return exit_code::k_usage;
        }
        print_error("missing command after '" + command_path(where) + "'; choose one of: " + command_names(where));
        // help(prefix) prints "Usage: <prefix> <name>", so the usage line reads as the user would type it.
        std::cerr << '\n' << where->help(where->get_parent() ? command_path(where->get_parent()) : "");
        return exit_code::k_usage;
    }
    print_error(e.what());
    std::cerr << "Run '" << command_path(where) << " --help' for usage.\n";
    return exit_code::k_usage;
}

int run(int argc, char** argv) {
    GlobalOptions options;
    std::string output_name = "table";

    CLI::App app{"aaitictl: operate an aaiti stack (configuration, versions, migration).", "aaitictl"};
    // Subcommands inherit fallthrough when they are created, so `aaitictl version -o json` works.
    app.fallthrough();
    app.require_subcommand(1);
    app.footer(
        "Exit status: 0 ok, 1 the operation failed, 64 usage, 65 bad data, 69 service unreachable, 74 I/O, "
        "78 configuration. See aaitictl(1).");
    app.set_version_flag("--version", version_line(), "Print the version and git revision, then exit");
    app.add_option("--config", options.config_file, "Stack file to read (default: ./aaiti.yaml if it exists)")
        ->type_name("FILE");
    app.add_option("-o,--output", output_name, "Output format")
        ->check(CLI::IsMember({"table", "json"}))
        ->type_name("table|json")
        ->capture_default_str();
    app.add_option("--log-level", options.log_level, "Log level on stderr (default: LOG_LEVEL, else info)")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
        ->type_name("LEVEL");
    app.add_option("--log-format", options.log_format, "Log line format on stderr (default: LOG_FORMAT, else text)")
        ->check(CLI::IsMember({"text", "json"}))
        ->type_name("text|json");
    app.add_flag("--no-color", options.no_color, "Never colour output (NO_COLOR in the environment does the same)");

    CLI::App* version = app.add_subcommand("version", "Print the version, git revision and library versions");
    version->footer(k_global_footer);

    CLI::App* config = app.add_subcommand("config", "Inspect the effective configuration");
    config->require_subcommand(1);
    config->footer(k_global_footer);
    CLI::App* config_show =
        config->add_subcommand("show", "Print every configuration key with its value, source and origin");
    config_show->footer(k_global_footer);
    CLI::App* config_check = config->add_subcommand("check", "Validate the configuration; exit 0 or 78");
    config_check->footer(k_global_footer);

    MigrateCommandOptions migrate_options;
    migrate_options.migrate.jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    std::string keys = "uuid", on_bad_value = "text", on_orphan = "null", if_exists = "fail";
    CLI::App* migrate_cmd = app.add_subcommand("migrate", "Move a SQLite database into PostgreSQL (UUID keys, COPY, verify)");
    migrate_cmd->footer(k_global_footer);
    migrate_cmd->add_option("--source", migrate_options.migrate.source_path, "SQLite file to read (default: SQLITE_DB_PATH)")
        ->type_name("PATH");
    migrate_cmd->add_option("--target", migrate_options.migrate.target_url,
                        "PostgreSQL URL to write (default: WRITE_DB_URL, else built from DB_*)")
        ->type_name("URL");
    migrate_cmd->add_option("--schema", migrate_options.migrate.schema, "Target schema (created if missing)")->capture_default_str();
    migrate_cmd->add_option("--keys", keys, "Integer keys: uuid (UUIDv5, references rewritten) or keep (identity after max)")
        ->check(CLI::IsMember({"uuid", "keep"}))
        ->capture_default_str();
    migrate_cmd->add_flag("--keep-legacy-ids", migrate_options.migrate.keep_legacy_ids,
                      "With --keys uuid: keep the old integer key in a legacy_id column");
    migrate_cmd->add_option("-j,--jobs", migrate_options.migrate.jobs, "Tables profiled, loaded and verified in parallel, one connection each (default: the core count)")
        ->check(CLI::Range(1, 256))
        ->type_name("N");
    migrate_cmd->add_option("--on-bad-value", on_bad_value, "A value that does not fit its declared type")
        ->check(CLI::IsMember({"text", "null", "reject", "fail"}))
        ->capture_default_str();
    migrate_cmd->add_option("--on-orphan", on_orphan, "A foreign key value without a parent row")
        ->check(CLI::IsMember({"null", "keep", "fail"}))
        ->capture_default_str();
    migrate_cmd->add_option("--if-exists", if_exists, "A target table that already exists")
        ->check(CLI::IsMember({"fail", "truncate", "drop"}))
        ->capture_default_str();
    migrate_cmd->add_flag("--plan", migrate_options.migrate.plan_only, "Print the plan (types, keys, policies); write nothing");
    migrate_cmd->add_flag("--verify", migrate_options.migrate.verify, "Compare source and target after the load; exit 1 on mismatch");
    migrate_cmd->add_option("--report", migrate_options.report_file, "Also write the JSON report to FILE")->type_name("FILE");
    migrate_cmd->add_option("--rejects", migrate_options.migrate.rejects_path, "Write rejected rows and orphans (JSON lines) to FILE")
        ->type_name("FILE");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return handle_parse_error(app, e);
    }

    options.output = parse_output_format(output_name);
    setup_logging(options);

    int code = exit_code::k_ok;
    if (version->parsed()) {
        code = run_version_command(options);
    } else if (config_show->parsed()) {
        code = run_config_show_command(options);
    } else if (config_check->parsed()) {
        code = run_config_check_command(options);
    } else if (migrate_cmd->parsed()) {
        migrate_options.migrate.keys = migrate::parse_key_strategy(keys);
        migrate_options.migrate.on_bad_value = migrate::parse_bad_value_policy(on_bad_value);
        migrate_options.migrate.on_orphan = migrate::parse_orphan_policy(on_orphan);
        migrate_options.migrate.if_exists = migrate::parse_if_exists(if_exists);
        code = run_migrate_command(options, migrate_options);
    }

    // A full disk or closed pipe must not look like success to a script.
    std::cout.flush();
    if (!std::cout) throw IoError("writing to standard output failed");
    return code;
}

}  // namespace
}  // namespace aaiti::cli

int main(int argc, char** argv) {
    try {
        return aaiti::cli::run(argc, argv);
    } catch (const aaiti::Error& e) {
        aaiti::cli::print_error(e.what());
        return e.exit_code();
    } catch (const std::exception& e) {
        aaiti::cli::print_error(std::string("unexpected error: ") + e.what());
        return aaiti::exit_code::k_failed;
    } catch (...) {
        aaiti::cli::print_error("unexpected error of unknown type");
        return aaiti::exit_code::k_failed;
    }
}
