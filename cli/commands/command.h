#pragma once
// One aaitictl verb: it owns its subcommand (name, help, footer, flags and their checks) and runs
// when the user chose it. main.cpp builds the root app with the global options, lets every command
// in all_commands() register itself, parses, sets up logging, and runs the one chosen command.
//
// No CLI11 in headers: it is forward-declared here and included only by main.cpp and the
// commands/<verb>_command.cpp files that bind flags.
#include <memory>
#include <vector>

#include "global_options.h"

namespace CLI {
class App;
}

namespace aaiti::cli {

// The footer of every subcommand's --help.
inline constexpr const char* k_global_options_footer =
    "Global options (--config, -o/--output, --log-level, --log-format, --no-color) may be given before or "
    "after the command. See aaitictl(1).";

class Command {
public:
    Command() = default;
    Command(const Command&) = delete;
    Command& operator=(const Command&) = delete;
    virtual ~Command() = default;

    // Adds the subcommand (and any of its own subcommands) to `parent`, binding the flags to members
    // of this object: the command must outlive the parse.
    virtual void add_to(CLI::App& parent) = 0;

    // True after a successful parse when the user chose this command (or one of its subcommands).
    [[nodiscard]] virtual bool chosen() const = 0;

    // Turns the parsed flags into the verb's options and runs it. Returns the exit code; failures are
    // thrown (common/error.h) and mapped to exit codes by main.cpp.
    virtual int run(const GlobalOptions& globals) = 0;
};

// Every verb, in the order `aaitictl --help` lists them (commands/command.cpp).
std::vector<std::unique_ptr<Command>> all_commands();

}  // namespace aaiti::cli
