#include "commands/restart_command.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "common/config.h"
#include "common/error.h"
#include "stack/native/native_start.h"
#include "stack/native/supervisor_control.h"
#include "stack_runtime.h"

namespace aaiti::cli {
namespace {

using namespace stack::native;

std::string self_exe() {
    std::error_code ec;
    const auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) throw IoError("restart: cannot find aaitictl's own path: " + ec.message());
    return p.string();
}

const ProcessStatus* find(const SupervisorState& state, const std::string& name) {
    for (const auto& s : state.services)
        if (s.name == name) return &s;
    return nullptr;
}

class RestartCommand final : public Command {
public:
    void add_to(CLI::App& parent) override {
        command_ = parent.add_subcommand(
            "restart", "Restart one process of the running stack and wait until it is healthy; haproxy, prometheus and alertmanager "
                       "get their configuration made again from the stack file first");
        command_->footer(std::string("Exit codes: 0 restarted and healthy, 1 not healthy within --timeout, a node retired by a failover "
                                     "or a port changed in the stack file (down and up), 64 an unknown service, 69 the stack is not "
                                     "running, 78 a bad stack file or a configuration HAProxy refuses. ") +
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
        // The old primary after a failover: the supervisor never starts it again (two primaries are worse than one down).
        if (target->detail.rfind("retired", 0) == 0)
            throw OperationFailed("restart: " + service_ + " is " + target->detail + "; it is not restarted while the stack runs, "
                                  "so that there are never two primaries. aaitictl down, then aaitictl up, starts it again as a "
                                  "standby of the new primary (see aaitictl db status)");
        // HAProxy, Prometheus and Alertmanager read files made from the stack file: made again now, so the restart
        // takes a new certificate, receiver or rule (the services' environment and every port are read at up).
        if (service_ == "haproxy" || service_ == "prometheus" || service_ == "alertmanager") {
            StackRuntimeContext fresh = ctx;
            NativeStartRequest request;
            request.settings = apply_user_configuration(fresh, "restart").passed;
            request.stack = fresh.stack;
            request.stack_file = fresh.stack_file;
            for (const auto& p : before->profiles) request.profiles.push_back(stack::parse_profile(p));
            request.state_dir = ctx.layout.root;
            request.self_exe = self_exe();
            for (const auto& file : render_process_config(request, service_, target->ports))
                std::cerr << "restart: wrote " << file << '\n';
        }
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
