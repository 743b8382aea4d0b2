#include "services/auth/config_loading.h"

#include "common/logging.h"

namespace aaiti::auth {

Config load_config_and_logging(const CommonOptions& options) {
    ConfigLoadOptions load;
    load.stack_file = options.config_file;
    if (!options.log_level.empty()) load.flags["LOG_LEVEL"] = {options.log_level, "--log-level"};
    if (!options.log_format.empty()) load.flags["LOG_FORMAT"] = {options.log_format, "--log-format"};
    Config config = Config::load(load);

    logging::Options log;
    log.level = logging::parse_level(config.get_or("LOG_LEVEL", "info"));
    const auto* format = config.entry("LOG_FORMAT");
    log.format = format && format->source != ConfigSource::default_value ? logging::parse_format(format->value)
                                                                          : logging::Format::json;
    log.no_color = true;
    logging::setup(log);
    return config;
}

}  // namespace aaiti::auth
