#include "commands/ps_command.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "common/error.h"
#include "stack/native/supervisor_control.h"
#include "stack_runtime.h"
#include "table.h"

namespace aaiti::cli {
namespace {

using namespace stack::native;

class PsCommand final : public Command {
public:
    void add_to(CLI::App& parent) override {
        command_ = parent.add_subcommand("ps", "The stack's processes: PID, port, health, restarts");
        command_->footer(std::string("-o json prints {\"services\":[{\"name\",\"pid\",\"port\",\"health\",\"restarts\",\"detail\"}],"
                                     "\"settings\":[{\"key\",\"value\",\"source\",\"origin\"}]}; health is healthy, starting, "
                                     "unhealthy, not_ready or unavailable; settings are the configuration keys the user set that every "
                                     "service got (secrets shown as ****). Exit codes: 0 always when the state could be read. ") +
                         k_global_options_footer);
        add_state_dir_option(*command_, state_dir_);
    }

    bool chosen() const override { return command_->parsed(); }

    int run(const GlobalOptions& globals) override {
        const StackRuntimeContext ctx = load_stack_runtime(globals, state_dir_);
        if (auto docker = docker_compose_base(ctx)) {
            docker->push_back("ps");
            if (globals.output == OutputFormat::json) docker->insert(docker->end(), {"--format", "json"});
            return run_attached(*docker) == 0 ? exit_code::k_ok : exit_code::k_unavailable;
        }
        std::vector<ProcessStatus> services;
        std::vector<SettingStatus> settings;
        std::string note;
        if (running_supervisor(ctx.layout.lock_file())) {
            if (auto state = read_state_file(ctx.layout.state_file())) {
                services = state->services;
                settings = state->settings;
                if (!state->failover.empty()) note = "database: " + state->failover;
                if (!state->message.empty()) note += (note.empty() ? "" : "\n") + state->message;
            }
        } else {
            note = "nothing is running (state directory " + ctx.layout.root + ")";
        }
        if (globals.output == OutputFormat::json) {
            const std::string list = services_json(services);  // {"services":[...]}
            std::cout << list.substr(0, list.size() - 1) << ",\"settings\":" << settings_json(settings) << "}\n";
        } else {
            if (!services.empty()) print_services_table(std::cout, services, stdout_color(globals));
            if (!settings.empty()) {
                std::cout << "\nSettings every service got from your configuration:\n";
                Table table{{"KEY", "VALUE", "SOURCE", "ORIGIN"}, {}};
                for (const auto& e : settings) table.rows.push_back({e.key, e.value, e.source, e.origin});
                print_table(std::cout, table, stdout_color(globals));
            }
        }
        if (!note.empty()) std::cerr << note << '\n';
        return exit_code::k_ok;
    }

private:
    CLI::App* command_ = nullptr;
    std::string state_dir_;
};

}  // namespace

std::unique_ptr<Command> make_ps_command() { return std::make_unique<PsCommand>(); }

}  // namespace aaiti::cli
