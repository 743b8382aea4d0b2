#include "commands/up_command.h"

#include <CLI/CLI.hpp>
#include <cerrno>
#include <algorithm>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "common/config.h"
#include "common/error.h"
#include "stack/generate.h"
#include "stack/native/native_start.h"
#include "stack/native/supervisor.h"
#include "stack/native/supervisor_control.h"
#include "stack_runtime.h"

namespace aaiti::cli {
namespace {

namespace fs = std::filesystem;
using namespace stack::native;

std::string self_exe() {
    std::error_code ec;
    const auto p = fs::read_symlink("/proc/self/exe", ec);
    if (ec) throw IoError("up: cannot find aaitictl's own path: " + ec.message());
    return p.string();
}

// Docker answers when `docker info` exits 0 within a few seconds.
bool docker_engine_answers() {
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int null = ::open("/dev/null", O_RDWR);
        ::dup2(null, 1);
        ::dup2(null, 2);
        ::execlp("docker", "docker", "info", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    if (pid < 0) return false;
    for (int i = 0; i < 100; ++i) {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) && WEXITSTATUS(status) == 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return false;
}

void print_urls(std::ostream& out, const NativePlan& plan) {
    const auto& s = plan.stack;
    const int gateway = instance_host_port(s.gateway(), 0);
    out << "\nThe gateway: http://127.0.0.1:" << gateway << "  (try: curl -s 127.0.0.1:" << gateway << "/services)\n";
    if (plan.profiles.load_balancer) out << "HAProxy:     http://127.0.0.1:" << s.load_balancer.http_port << "  stats http://127.0.0.1:" << s.load_balancer.stats_port << "/stats\n";
    if (plan.profiles.monitoring)
        out << "Prometheus:  http://127.0.0.1:" << s.monitoring.prometheus_port << "  Alertmanager http://127.0.0.1:" << s.monitoring.alertmanager_port << "\n";
    out << "  curl -s -XPOST 127.0.0.1:" << gateway << "/api/auth/register -H 'Content-Type: application/json' \\\n"
        << "       -d '{\"username\":\"ada\",\"email\":\"ada@example.com\",\"password\":\"Correct-Horse-9\"}'\n"
        << "  curl -s -XPOST 127.0.0.1:" << gateway << "/api/auth/login -H 'Content-Type: application/json' \\\n"
        << "       -d '{\"username\":\"ada\",\"password\":\"Correct-Horse-9\"}'\n";
}

class UpCommand final : public Command {
public:
    void add_to(CLI::App& parent) override {
        command_ = parent.add_subcommand("up", "Start the stack: under Docker, or natively as supervised local processes");
        command_->footer(std::string("Without --profile: the embedded default (gateway + auth on SQLite, nothing else). Exit codes: 0 "
                                     "healthy (or stopped cleanly in the foreground), 1 a process failed to start, 64 usage, 69 a port "
                                     "is taken or a program is missing, 78 a bad stack file. ") +
                         k_global_options_footer);
        command_->add_option("--profile", profiles_, "production, replica or monitoring; repeatable (default: the embedded default)")
            ->type_name("P")
            ->check(CLI::IsMember({"production", "replica", "monitoring"}));
        command_->add_option("--runtime", runtime_, "auto (Docker when an engine answers, else native), docker or native")
            ->type_name("R")
            ->check(CLI::IsMember({"auto", "docker", "native"}))
            ->capture_default_str();
        command_->add_flag("-d,--detach", detach_, "Return once every process is healthy; the supervisor keeps running in the background");
        command_->add_option("--state-dir", state_dir_, "Where logs, data and state live (default: .aaiti beside the stack file)")
            ->type_name("DIR");
        command_->add_option("--failover-after", failover_after_,
                             "Promote the replica when the primary has been down this long (0: never)")
            ->type_name("DURATION")
            ->capture_default_str();
        command_->add_option("--timeout", timeout_, "With --detach: how long to wait for every process to be healthy")
            ->type_name("DURATION")
            ->capture_default_str();
        // The detached supervisor is this same command run again in the background with this flag.
        command_->add_flag("--supervisor", supervisor_mode_)->group("");
    }

    bool chosen() const override { return command_->parsed(); }

    int run(const GlobalOptions& globals) override {
        // Every flag is checked before anything starts: a usage error starts nothing.
        const auto failover_after = parse_duration(failover_after_, "--failover-after", true);
        const auto timeout = parse_duration(timeout_, "--timeout", false);
        StackRuntimeContext ctx = load_stack_runtime(globals, state_dir_, supervisor_mode_ ? "" : "up");
        const stack::StackSettings settings = apply_user_configuration(ctx, supervisor_mode_ ? "" : "up");
        const bool docker = runtime_ == "docker" || (runtime_ == "auto" && docker_engine_answers());
        if (docker) return run_docker(ctx, settings);
        if (running_supervisor(ctx.layout.lock_file())) return already_running(ctx, globals);

        NativeStartRequest request;
        request.stack = ctx.stack;
        request.stack_file = ctx.stack_file;
        for (const auto& p : profiles_) request.profiles.push_back(stack::parse_profile(p));
        request.state_dir = ctx.layout.root;
        request.self_exe = self_exe();
        request.failover_after = failover_after;
        request.settings = settings.passed;
        PreparedStart prepared = prepare_native_start(request);
        if (!supervisor_mode_)
            for (const auto& note : prepared.notes) std::cerr << "up: " << note << '\n';

        if (detach_ && !supervisor_mode_) return detach(ctx, globals, prepared, timeout);
        return supervise(globals, prepared, !supervisor_mode_);
    }

private:
    static std::chrono::milliseconds parse_duration(const std::string& text, const std::string& flag, bool zero_allowed) {
        std::chrono::milliseconds value{};
        try {
            value = aaiti::parse_duration(text);
        } catch (const std::exception& e) {
            throw UsageError("up: " + flag + " \"" + text + "\": " + e.what() + " (e.g. 30s, 2m)");
        }
        if (value.count() < 0 || (!zero_allowed && value.count() == 0))
            throw UsageError("up: " + flag + " \"" + text + "\" must be " + (zero_allowed ? "0 or more" : "more than 0"));
        return value;
    }

    // `up` on a stack that runs: fine when it runs what was asked for and is healthy; else say what differs.
    int already_running(const StackRuntimeContext& ctx, const GlobalOptions& globals) {
        const auto state = read_state_file(ctx.layout.state_file());
        if (state) {
            if (globals.output == OutputFormat::json) std::cout << services_json(state->services) << '\n';
            else print_services_table(std::cout, state->services, stdout_color(globals));
        }
        std::vector<std::string> wanted = profiles_;
        std::vector<std::string> running = state ? state->profiles : std::vector<std::string>{};
        std::sort(wanted.begin(), wanted.end());
        std::sort(running.begin(), running.end());
        const auto names = [](const std::vector<std::string>& p) { return p.empty() ? std::string("the embedded default") : "--profile " + join(p, " --profile "); };
        if (state && wanted != running)
            throw OperationFailed("up: the stack in " + ctx.layout.root + " already runs " + names(running) + ", not " + names(wanted) +
                                  "; aaitictl down first");
        if (!state || state->phase != SupervisorState::Phase::running)
            throw OperationFailed("up: the stack in " + ctx.layout.root + " is " + (state ? to_string(state->phase) : std::string("starting")) +
                                  "; see aaitictl ps and aaitictl logs");
        std::cerr << "up: the stack in " << ctx.layout.root << " is already running (supervisor pid " << state->supervisor_pid
                  << "); aaitictl down stops it\n";
        return exit_code::k_ok;
    }

    int supervise(const GlobalOptions& globals, PreparedStart& prepared, bool foreground) {
        auto lock = SupervisorLock::try_acquire(prepared.options.layout.lock_file());
        if (!lock) throw OperationFailed("up: another supervisor took " + prepared.options.layout.root + " at the same time");
        prepared.options.echo_logs = foreground;
        prepared.options.color = foreground && stdout_color(globals);
        const NativePlan plan = prepared.plan;
        Supervisor supervisor(std::move(prepared.plan), std::move(prepared.options));
        if (foreground)
            supervisor.on_all_healthy = [&](const SupervisorState& state) {
                std::cout << '\n';
                print_services_table(std::cout, state.services, stdout_color(globals));
                print_urls(std::cout, plan);
                std::cout << "Ctrl-C stops everything.\n\n" << std::flush;
            };
        return supervisor.run();
    }

    // Starts this command again as a background supervisor (own session, output to logs/supervisor.log),
    // then waits for the verdict in the state file.
    int detach(const StackRuntimeContext& ctx, const GlobalOptions& globals, const PreparedStart& prepared,
               std::chrono::milliseconds timeout) {
        const auto started = std::chrono::steady_clock::now();
        std::vector<std::string> args = {self_exe()};
        if (!ctx.stack_file.empty()) args.insert(args.end(), {"--config", ctx.stack_file});
        args.insert(args.end(), {"up", "--runtime", "native", "--state-dir", ctx.layout.root, "--failover-after", failover_after_, "--supervisor"});
        for (const auto& p : profiles_) args.insert(args.end(), {"--profile", p});
        fs::remove(ctx.layout.state_file());
        const std::string log = ctx.layout.logs() + "/supervisor.log";

        const pid_t pid = ::fork();
        if (pid < 0) throw IoError(std::string("up: fork: ") + std::strerror(errno));
        if (pid == 0) {
            ::setsid();
            const int in = ::open("/dev/null", O_RDONLY);
            const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0640);
            if (in < 0 || out < 0) ::_exit(74);
            ::dup2(in, 0);
            ::dup2(out, 1);
            ::dup2(out, 2);
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        // Until the supervisor holds its lock, "not running" only means "not yet".
        std::optional<SupervisorState> state;
        const auto deadline = started + timeout;
        for (;;) {
            int status = 0;
            const bool exited = ::waitpid(pid, &status, WNOHANG) == pid;
            try {
                state = read_state_file(ctx.layout.state_file());
            } catch (const std::exception&) {
            }
            if (state && (state->phase == SupervisorState::Phase::running || state->phase == SupervisorState::Phase::failed)) break;
            if (exited) break;
            if (std::chrono::steady_clock::now() > deadline) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
        const bool healthy = state && state->phase == SupervisorState::Phase::running;
        if (globals.output == OutputFormat::json) {
            std::cout << (state ? services_json(state->services) : std::string("{\"services\":[]}")) << '\n';
        } else if (state) {
            print_services_table(std::cout, state->services, stdout_color(globals));
        }
        if (healthy) {
            if (globals.output != OutputFormat::json) {
                print_urls(std::cout, prepared.plan);
                std::cout << "\nhealthy in " << elapsed << " ms; logs: aaitictl logs -f; stop: aaitictl down\n";
            }
            return exit_code::k_ok;
        }
        const bool timed_out = !(state && state->phase == SupervisorState::Phase::failed);
        if (timed_out) ::kill(pid, SIGTERM);  // do not leave a half-started stack behind
        // Return only once everything started has been stopped again, so the next `up` starts afresh.
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        if (timed_out)
            throw OperationFailed("up: not every process was healthy within " + timeout_ + "; stopped the stack again. See " +
                                  ctx.layout.logs());
        throw OperationFailed("up: " + (state && !state->message.empty() ? state->message : "the supervisor stopped; see " + log));
    }

    // The compose files of `compose generate`, in the state directory, run by Docker's own compose.
    int run_docker(const StackRuntimeContext& ctx, const stack::StackSettings& settings) {
        if (!docker_engine_answers())
            throw UnavailableError("up --runtime docker: no Docker engine answers (`docker info` failed); start Docker, or use "
                                   "--runtime native");
        stack::GenerateOptions options;
        for (const auto& p : profiles_) options.profiles.push_back(stack::parse_profile(p));
        options.output_dir = ctx.layout.root + "/compose";
        options.settings = settings.passed;
        options.stack_file = ctx.stack_file.empty() ? "the default stack" : fs::path(ctx.stack_file).filename().string();
        stack::generate_stack_files(ctx.stack, options);
        // Compose v2 (`docker compose`) waits for the healthchecks with --wait; v1 (`docker-compose`) cannot.
        const bool v2 = run_attached({"docker", "compose", "version"}) == 0;
        std::vector<std::string> base = v2 ? std::vector<std::string>{"docker", "compose"} : std::vector<std::string>{"docker-compose"};
        base.insert(base.end(), {"-p", ctx.stack.project, "-f", options.output_dir + "/docker-compose.yml"});
        for (const auto& p : profiles_) base.insert(base.end(), {"--profile", p});
        std::vector<std::string> argv = base;
        argv.insert(argv.end(), {"up", "--build"});
        if (detach_) argv.push_back("-d");
        if (detach_ && v2) argv.push_back("--wait");
        remember_docker_runtime(ctx, base);
        const int status = run_attached(argv);
        if (status != 0) throw OperationFailed("up: " + argv.front() + " " + argv[1] + " ... up exited with status " + std::to_string(status));
        return exit_code::k_ok;
    }

    CLI::App* command_ = nullptr;
    std::vector<std::string> profiles_;
    std::string runtime_ = "auto";
    bool detach_ = false;
    std::string state_dir_;
    std::string failover_after_ = "30s";
    std::string timeout_ = "120s";
    bool supervisor_mode_ = false;
};

}  // namespace

std::unique_ptr<Command> make_up_command() { return std::make_unique<UpCommand>(); }

}  // namespace aaiti::cli
