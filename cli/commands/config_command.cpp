#include "commands/config_command.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/config.h"
#include "common/logging.h"
#include "table.h"

namespace aaiti::cli {
namespace {

// Unset keys (no default, not given) are told apart from keys set to "" so a reader can see
// what is missing rather than guess from a blank column.
bool is_set(const Config& config, const ConfigEntry& entry) { return config.get(entry.key).has_value(); }

}  // namespace

int run_config_show_command(const GlobalOptions& options) {
    const Config config = load_config(options);
    logging::debug("configuration loaded", {{"stack_file", config.stack_file()}});

    if (options.output == OutputFormat::json) {
        nlohmann::ordered_json entries = nlohmann::ordered_json::array();
        for (const ConfigEntry& entry : config.entries()) {
            nlohmann::ordered_json value = nullptr;
            if (is_set(config, entry)) value = entry.display_value();
            entries.push_back({
                {"key", entry.key},
                {"value", value},
                {"source", std::string(to_string(entry.source))},
                {"origin", entry.origin},
                {"secret", entry.secret},
            });
        }
        nlohmann::ordered_json stack_file = nullptr;
        if (!config.stack_file().empty()) stack_file = config.stack_file();
        const nlohmann::ordered_json doc = {{"stack_file", stack_file}, {"entries", entries}};
        // Values come from files and the environment: replace invalid UTF-8 rather than throw.
        std::cout << doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
        return 0;
    }

    const bool color = stdout_color(options);
    std::cout << "stack file: " << (config.stack_file().empty() ? "(none)" : config.stack_file()) << "\n\n";
    Table table{{"KEY", "VALUE", "SOURCE", "ORIGIN"}, {}};
    for (const ConfigEntry& entry : config.entries()) {
        std::string value = is_set(config, entry) ? entry.display_value() : "(unset)";
        if (value.empty()) value = "\"\"";
        table.rows.push_back({entry.key, value, std::string(to_string(entry.source)), entry.origin});
    }
    print_table(std::cout, table, color);
    return 0;
}

int run_config_check_command(const GlobalOptions& options) {
    const Config config = load_config(options);
    const std::string stack_file = config.stack_file().empty() ? "" : config.stack_file();
    if (options.output == OutputFormat::json) {
        const nlohmann::ordered_json doc = {
            {"valid", true},
            {"stack_file", stack_file.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(stack_file)},
            {"keys", config.entries().size()},
        };
        std::cout << doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
        return 0;
    }
    std::cout << "configuration is valid (" << config.entries().size() << " keys; stack file: "
              << (stack_file.empty() ? "(none)" : stack_file) << ")\n";
    return 0;
}

namespace {

class ConfigCommand final : public Command {
public:
    void add_to(CLI::App& parent) override {
        CLI::App* config = parent.add_subcommand("config", "Inspect the effective configuration");
        config->require_subcommand(1);
        config->footer(k_global_options_footer);
        show_ = config->add_subcommand("show", "Print every configuration key with its value, source and origin");
        show_->footer(k_global_options_footer);
        check_ = config->add_subcommand("check", "Validate the configuration; exit 0 or 78");
        check_->footer(k_global_options_footer);
    }
    bool chosen() const override { return show_->parsed() || check_->parsed(); }
    int run(const GlobalOptions& globals) override {
        return show_->parsed() ? run_config_show_command(globals) : run_config_check_command(globals);
    }

private:
    CLI::App* show_ = nullptr;
    CLI::App* check_ = nullptr;
};

}  // namespace

std::unique_ptr<Command> make_config_command() { return std::make_unique<ConfigCommand>(); }

}  // namespace aaiti::cli
