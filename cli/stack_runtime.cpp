#include "stack_runtime.h"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>
#include <iostream>
#include <thread>

#include "common/config.h"
#include "stack/native/supervisor_control.h"
#include "stack/stack_defaults.h"
#include "stack/stack_loader.h"
#include "table.h"

namespace aaiti::cli {

void add_state_dir_option(CLI::App& command, std::string& state_dir) {
    command.add_option("--state-dir", state_dir, "The stack's state directory (default: .aaiti beside the stack file)")->type_name("DIR");
}
namespace {

namespace fs = std::filesystem;

std::string colored(const std::string& health, bool color) {
    if (!color) return health;
    const char* code = health == "healthy" ? "32" : health == "starting" ? "33" : health == "unhealthy" ? "31" : "90";
    return std::string("\033[") + code + "m" + health + "\033[0m";
}

}  // namespace

StackRuntimeContext load_stack_runtime(const GlobalOptions& globals, const std::string& state_dir, const std::string& verb) {
    StackRuntimeContext c;
    std::string file = globals.config_file;
    if (file.empty() && fs::exists("aaiti.yaml")) file = "aaiti.yaml";
    if (file.empty()) {
        c.stack = stack::default_stack(".");
        if (!verb.empty()) std::cerr << verb << ": no aaiti.yaml here; using the defaults (aaitictl init writes them)\n";
    } else {
        c.stack_file = fs::absolute(file).lexically_normal().string();
        c.stack = stack::load_stack_file(file);
    }
    const fs::path base = c.stack_file.empty() ? fs::current_path() : fs::path(c.stack_file).parent_path();
    c.layout.root = state_dir.empty() ? (base / ".aaiti").string() : fs::absolute(state_dir).lexically_normal().string();
    return c;
}

stack::StackSettings apply_user_configuration(StackRuntimeContext& context, const std::string& verb) {
    ConfigLoadOptions load;
    load.stack_file = context.stack_file;
    const Config config = Config::load(load);
    stack::apply_alert_settings(context.stack, config);
    stack::StackSettings settings = stack::stack_settings(config, verb.empty() ? "aaitictl" : verb);
    if (!verb.empty())
        for (const auto& w : settings.warnings) std::cerr << w << '\n';
    return settings;
}

std::optional<std::vector<std::string>> docker_compose_base(const StackRuntimeContext& context) {
    std::ifstream in(context.layout.root + "/docker-runtime");
    std::vector<std::string> base;
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) base.push_back(line);
    if (base.empty()) return std::nullopt;
    return base;
}

void remember_docker_runtime(const StackRuntimeContext& context, const std::vector<std::string>& base) {
    const std::string path = context.layout.root + "/docker-runtime";
    if (base.empty()) {
        fs::remove(path);
        return;
    }
    fs::create_directories(context.layout.root);
    std::ofstream out(path, std::ios::trunc);
    for (const auto& arg : base) out << arg << '\n';
}

int run_attached(const std::vector<std::string>& argv) {
    const pid_t pid = ::fork();
    if (pid < 0) return 127;
    if (pid == 0) {
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : separator) + i;
    return out;
}

void print_services_table(std::ostream& out, const std::vector<stack::native::ProcessStatus>& services, bool color) {
    Table table{{"NAME", "PID", "PORT", "HEALTH", "RESTARTS", "DETAIL"}, {}};
    for (const auto& s : services)
        table.rows.push_back({s.name, s.pid > 0 ? std::to_string(s.pid) : "-", s.port > 0 ? std::to_string(s.port) : "-",
                              colored(to_string(s.health), color), std::to_string(s.restarts), s.detail});
    print_table(out, table, color);
}

std::optional<stack::native::SupervisorState> wait_for_state(const stack::native::StateLayout& layout,
                                                             const std::function<bool(const stack::native::SupervisorState&)>& done,
                                                             std::chrono::milliseconds timeout, bool supervisor_must_live) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::optional<stack::native::SupervisorState> last;
    for (;;) {
        try {
            if (auto s = stack::native::read_state_file(layout.state_file())) last = std::move(s);
        } catch (const std::exception&) {
            // a state file from an older version, or being replaced: read it again on the next turn
        }
        if (last && done(*last)) return last;
        if (supervisor_must_live && !stack::native::running_supervisor(layout.lock_file())) return last;
        if (std::chrono::steady_clock::now() > deadline) return last;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

}  // namespace aaiti::cli
