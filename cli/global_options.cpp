#include "global_options.h"

#include <unistd.h>

#include "common/error.h"
#include "common/logging.h"

namespace aaiti::cli {

OutputFormat parse_output_format(std::string_view name) {
    if (name == "table") return OutputFormat::table;
    if (name == "json") return OutputFormat::json;
    throw UsageError("--output: \"" + std::string(name) + "\" is not a known format; use table or json");
}

ConfigLoadOptions config_load_options(const GlobalOptions& options) {
    ConfigLoadOptions load;
    load.stack_file = options.config_file;
    if (!options.log_level.empty()) load.flags["LOG_LEVEL"] = {options.log_level, "--log-level"};
    if (!options.log_format.empty()) load.flags["LOG_FORMAT"] = {options.log_format, "--log-format"};
    return load;
}

void setup_logging(const GlobalOptions& options) {
    logging::setup({options.log_level.empty() ? logging::Level::info : logging::parse_level(options.log_level),
                    options.log_format.empty() ? logging::Format::text : logging::parse_format(options.log_format),
                    options.no_color});
}

Config load_config(const GlobalOptions& options) {
    Config config = Config::load(config_load_options(options));
    // Validated by Config::load, so these parse.
    logging::setup({logging::parse_level(config.get_or("LOG_LEVEL", "info")),
                    logging::parse_format(config.get_or("LOG_FORMAT", "text")), options.no_color});
    return config;
}

bool stdout_color(const GlobalOptions& options) { return logging::use_color(STDOUT_FILENO, options.no_color); }

}  // namespace aaiti::cli
