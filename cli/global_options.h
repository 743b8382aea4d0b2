#pragma once
// The options every aaitictl command accepts, parsed by main.cpp and handed to the command as a
// plain struct, so the run_<verb>_command functions never see CLI11.
#include <string>
#include <string_view>

#include "common/config.h"

namespace aaiti::cli {

enum class OutputFormat { table, json };

// "table" | "json"; main.cpp already restricts the flag to these, so anything else is a UsageError.
OutputFormat parse_output_format(std::string_view name);

struct GlobalOptions {
    std::string config_file;  // --config: the stack file (aaiti.yaml); empty means ./aaiti.yaml if present
    OutputFormat output = OutputFormat::table;
    // --log-level / --log-format. Empty when not given: the LOG_LEVEL / LOG_FORMAT configuration keys
    // (environment, stack file, default info/text) decide. Given, they are the `flag` source of those keys.
    std::string log_level;
    std::string log_format;
    bool no_color = false;
};

// How the global options feed Config::load: --config names the stack file, --log-level and
// --log-format are flag values of LOG_LEVEL and LOG_FORMAT.
ConfigLoadOptions config_load_options(const GlobalOptions& options);

// Logging before any configuration is read: the flags if given, else info/text.
void setup_logging(const GlobalOptions& options);

// Loads the effective configuration (throws ConfigError) and applies its LOG_LEVEL and LOG_FORMAT,
// so every verb reads configuration and logs the same way.
Config load_config(const GlobalOptions& options);

// Colour on stdout: a terminal, no NO_COLOR, no --no-color.
bool stdout_color(const GlobalOptions& options);

}  // namespace aaiti::cli
