// aaitictl: builds the root CLI11 app with the global options, lets every verb in all_commands()
// add its own subcommand and flags (commands/<verb>_command.cpp), runs the one chosen, and turns every
// failure into the exit codes documented in man/aaitictl.1 (common/error.h).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands/command.h"
#include "commands/version_command.h"
#include "common/error.h"
#include "common/logging.h"
#include "common/secrets.h"
#include "global_options.h"

namespace aaiti::cli {
namespace {

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

    CLI::App app{"aaitictl: operate an aaiti stack: write and check its configuration, generate its Docker Compose files "
                 "or run it natively (up, ps, logs, restart, down), check its health, manage its PostgreSQL (status, "
                 "promote, backup, restore) and migrate SQLite data into it.",
                 "aaitictl"};
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

    // Each verb adds its subcommand, flags and help; the order here is the order of `--help`. The
    // commands own the parsed values, so they are declared before the parse and outlive it.
    const std::vector<std::unique_ptr<Command>> commands = all_commands();
    for (const auto& command : commands) command->add_to(app);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return handle_parse_error(app, e);
    }

    options.output = parse_output_format(output_name);
    setup_logging(options);

    int code = exit_code::k_ok;
    for (const auto& command : commands) {
        if (command->chosen()) {
            code = command->run(options);
            break;
        }
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
