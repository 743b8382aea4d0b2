#include "commands/down_command.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/config.h"
#include "common/error.h"
#include "stack/native/supervisor_control.h"
#include "stack_runtime.h"

namespace aaiti::cli {
namespace {

using namespace stack::native;

class DownCommand final : public Command {
public:
    void add_to(CLI::App& parent) override {
        command_ = parent.add_subcommand("down", "Stop the natively running stack: every process, in reverse order");
        command_->footer(std::string("Exit codes: 0 stopped (or nothing was running), 1 processes were left behind, 69 the "
                                     "supervisor did not stop in time. ") +
                         k_global_options_footer);
        add_state_dir_option(*command_, state_dir_);
        command_->add_option("--timeout", timeout_, "How long to wait for everything to stop")->type_name("DURATION")->capture_default_str();
    }

    bool chosen() const override { return command_->parsed(); }

    int run(const GlobalOptions& globals) override {
        const StackRuntimeContext ctx = load_stack_runtime(globals, state_dir_);
        if (auto docker = docker_compose_base(ctx)) {  // started with --runtime docker: compose stops it
            docker->push_back("down");
            const int status = run_attached(*docker);
            if (status != 0) throw OperationFailed("down: " + docker->front() + " ... down exited with status " + std::to_string(status));
            remember_docker_runtime(ctx, {});
            return exit_code::k_ok;
        }
        const auto started = std::chrono::steady_clock::now();
        const auto pid = running_supervisor(ctx.layout.lock_file());
        if (!pid) {
            report(globals, false, 0, {});
            return exit_code::k_ok;
        }
        const auto before = read_state_file(ctx.layout.state_file());
        ::kill(*pid, SIGTERM);
        const auto deadline = started + parse_duration(timeout_);
        while (running_supervisor(ctx.layout.lock_file())) {
            if (std::chrono::steady_clock::now() > deadline)
                throw UnavailableError("down: the supervisor (pid " + std::to_string(*pid) + ") is still stopping after " + timeout_ +
                                       "; see " + ctx.layout.logs() + "/all.log");
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
        // Every process the supervisor ran must be gone (their process groups included).
        std::vector<std::string> left;
        if (before)
            for (const auto& s : before->services)
                if (s.pid > 0 && (::kill(-s.pid, 0) == 0 || ::kill(s.pid, 0) == 0)) left.push_back(s.name + " (pid " + std::to_string(s.pid) + ")");
        report(globals, true, ms, left);
        if (!left.empty()) throw OperationFailed("down: still running after the supervisor stopped: " + join(left));
        return exit_code::k_ok;
    }

private:
    void report(const GlobalOptions& globals, bool was_running, long long ms, const std::vector<std::string>& left) const {
        if (globals.output == OutputFormat::json) {
            std::cout << nlohmann::json{{"was_running", was_running}, {"stopped_after_ms", was_running ? nlohmann::json(ms) : nlohmann::json(nullptr)},
                                        {"left_running", left}}
                             .dump()
                      << '\n';
        } else if (!was_running) {
            std::cout << "nothing is running\n";
        } else {
            std::cout << "stopped in " << ms << " ms\n";
        }
    }

    CLI::App* command_ = nullptr;
    std::string state_dir_;
    std::string timeout_ = "120s";
};

}  // namespace

std::unique_ptr<Command> make_down_command() { return std::make_unique<DownCommand>(); }

}  // namespace aaiti::cli
