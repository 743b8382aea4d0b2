#include "commands/restart_command.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "common/config.h"
#include "common/error.h"
#include "stack/native/supervisor_control.h"
#include "stack_runtime.h"

namespace aaiti::cli {
namespace {

using namespace stack::native;

const ProcessStatus* find(const SupervisorState& state, const std::string& name) {
    for (const auto& s : state.services)
        if (s.name == name) return &s;
    return nullptr;
}

class RestartCommand final : public Command {
public:
    void add_to(CLI::App& parent) override {
        command_ = parent.add_subcommand("restart", "Restart one process of the running stack and wait until it is healthy");
        command_->footer(std::string("Exit codes: 0 restarted and healthy, 1 not healthy within --timeout, 64 an unknown service, 69 the "
                                     "stack is not running. ") +
                         k_global_options_footer);
        command_->add_option("service", service_, "A process name as aaitictl ps lists it")->required()->type_name("SERVICE");
        add_state_dir_option(*command_, state_dir_);
        command_->add_option("--timeout", timeout_, "How long to wait for it to be healthy again")->type_name("DURATION")->capture_default_str();
    }

    bool chosen() const override { return command_->parsed(); }

    int run(const GlobalOptions& globals) override {
        const StackRuntimeContext ctx = load_stack_runtime(globals, state_dir_);
        if (auto docker = docker_compose_base(ctx)) {
            docker->insert(docker->end(), {"restart", service_});
            return run_attached(*docker) == 0 ? exit_code::k_ok : exit_code::k_unavailable;
        }
        const auto before = running_supervisor(ctx.layout.lock_file()) ? read_state_file(ctx.layout.state_file()) : std::nullopt;
        if (!before) throw UnavailableError("restart: the stack in " + ctx.layout.root + " is not running; start it with aaitictl up");
        const ProcessStatus* target = find(*before, service_);
        if (!target) {
            std::vector<std::string> names;
            for (const auto& s : before->services)
                if (s.health != Health::unavailable) names.push_back(s.name);
            throw UsageError("restart: no process \"" + service_ + "\" in the stack; it runs " + join(names));
        }
        if (target->health == Health::unavailable) throw UsageError("restart: " + service_ + " is not run natively (" + target->detail + ")");
        const int old_pid = target->pid;
        if (!send_control_request(ctx.layout.control_fifo(), "restart " + service_))
            throw UnavailableError("restart: the supervisor does not read its requests (" + ctx.layout.control_fifo() + ")");
        const auto after = wait_for_state(
            ctx.layout,
            [&](const SupervisorState& s) {
                const ProcessStatus* p = find(s, service_);
                return p && p->pid != 0 && p->pid != old_pid && p->health == Health::healthy;
            },
            parse_duration(timeout_));
        const ProcessStatus* now = after ? find(*after, service_) : nullptr;
        const bool ok = now && now->pid != old_pid && now->health == Health::healthy;
        if (globals.output == OutputFormat::json)
            std::cout << services_json(now ? std::vector<ProcessStatus>{*now} : std::vector<ProcessStatus>{}) << '\n';
        else if (now)
            print_services_table(std::cout, {*now}, stdout_color(globals));
        if (!ok) throw OperationFailed("restart: " + service_ + " is not healthy after " + timeout_ + "; see aaitictl logs " + service_);
        return exit_code::k_ok;
    }

private:
    CLI::App* command_ = nullptr;
    std::string service_;
    std::string state_dir_;
    std::string timeout_ = "60s";
};

}  // namespace

std::unique_ptr<Command> make_restart_command() { return std::make_unique<RestartCommand>(); }

}  // namespace aaiti::cli
