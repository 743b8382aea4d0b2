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

std::string_view description_of(std::string_view key) {
    for (const ConfigKey& k : known_config_keys())
        if (k.name == key) return k.description;
    return {};
}

// Keys whose meaning differs from what a reader of the seed expects: printed under the table with it.
constexpr std::string_view k_explained_keys[] = {"JWT_EXPIRES_IN", "JWT_ACCESS_EXPIRES_IN", "RATE_LIMIT_WINDOW"};

nlohmann::ordered_json ignored_variables_json(const Config& config) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& v : config.ignored_variables_set())
        out.push_back({{"variable", std::string(v.name)}, {"reason", std::string(v.reason)}});
    return out;
}

// One line per seed variable that is set but read by nothing, on stderr (the data stays on stdout).
void warn_ignored_variables(const Config& config) {
    for (const auto& v : config.ignored_variables_set())
        std::cerr << "warning: " << v.name << " is set but ignored: " << v.reason << '\n';
}

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
                {"description", std::string(description_of(entry.key))},
            });
        }
        nlohmann::ordered_json stack_file = nullptr;
        if (!config.stack_file().empty()) stack_file = config.stack_file();
        const nlohmann::ordered_json doc = {
            {"stack_file", stack_file}, {"entries", entries}, {"ignored_seed_variables", ignored_variables_json(config)}};
        // Values come from files and the environment: replace invalid UTF-8 rather than throw.
        std::cout << doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
        warn_ignored_variables(config);
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
    std::cout << '\n';
    for (std::string_view key : k_explained_keys)
        if (const ConfigEntry* e = config.entry(key))
            std::cout << e->key << " = " << e->display_value() << ": " << description_of(key) << '\n';
    warn_ignored_variables(config);
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
            {"ignored_seed_variables", ignored_variables_json(config)},
        };
        warn_ignored_variables(config);
        std::cout << doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
        return 0;
    }
    std::cout << "configuration is valid (" << config.entries().size() << " keys; stack file: "
              << (stack_file.empty() ? "(none)" : stack_file) << ")\n";
    warn_ignored_variables(config);
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
