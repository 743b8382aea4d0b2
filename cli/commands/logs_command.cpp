#include "commands/logs_command.h"

#include <CLI/CLI.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "common/error.h"
#include "stack/native/supervisor_control.h"
#include "stack_runtime.h"

namespace aaiti::cli {
namespace {

namespace fs = std::filesystem;
using namespace stack::native;

volatile std::sig_atomic_t g_interrupted = 0;

// The last `lines` lines of `text` (all of it when lines < 0).
std::string tail(const std::string& text, long lines) {
    if (lines < 0) return text;
    std::size_t pos = text.size();
    if (pos > 0 && text[pos - 1] == '\n') --pos;
    for (long n = 0; pos > 0; --pos)
        if (text[pos - 1] == '\n' && ++n == lines) break;
    return lines == 0 ? std::string() : text.substr(pos);
}

class LogsCommand final : public Command {
public:
    void add_to(CLI::App& parent) override {
        command_ = parent.add_subcommand("logs", "Show the logs of the stack's processes (one, or all interleaved)");
        command_->footer(std::string("Logs live in <state dir>/logs: <name>.log per process, all.log prefixed with the name. Exit codes: "
                                     "0 ok, 64 an unknown service. ") +
                         k_global_options_footer);
        command_->add_option("service", service_, "A process name as aaitictl ps lists it (default: all)")->type_name("SERVICE");
        command_->add_flag("-f,--follow", follow_, "Keep printing new lines until Ctrl-C or the stack stops");
        command_->add_option("-n,--tail", tail_, "Only the last N lines (default: all)")->type_name("N");
        add_state_dir_option(*command_, state_dir_);
    }

    bool chosen() const override { return command_->parsed(); }

    int run(const GlobalOptions& globals) override {
        const StackRuntimeContext ctx = load_stack_runtime(globals, state_dir_);
        if (auto docker = docker_compose_base(ctx)) {
            docker->push_back("logs");
            if (follow_) docker->push_back("-f");
            if (tail_ >= 0) docker->insert(docker->end(), {"--tail", std::to_string(tail_)});
            if (!service_.empty()) docker->push_back(service_);
            return run_attached(*docker) == 0 ? exit_code::k_ok : exit_code::k_unavailable;
        }
        const std::string file = ctx.layout.logs() + "/" + (service_.empty() ? "all" : service_) + ".log";
        if (!fs::exists(file)) {
            std::vector<std::string> known;
            if (fs::is_directory(ctx.layout.logs()))
                for (const auto& e : fs::directory_iterator(ctx.layout.logs()))
                    if (e.path().extension() == ".log" && e.path().stem() != "all") known.push_back(e.path().stem().string());
            if (service_.empty() || known.empty()) throw UsageError("logs: no logs in " + ctx.layout.logs() + "; has the stack been started (aaitictl up)?");
            throw UsageError("logs: no process \"" + service_ + "\"; these have logs: " + join(known));
        }
        std::ifstream in(file, std::ios::binary);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::cout << tail(text, tail_) << std::flush;
        if (!follow_) return exit_code::k_ok;

        std::signal(SIGINT, [](int) { g_interrupted = 1; });
        std::signal(SIGTERM, [](int) { g_interrupted = 1; });
        auto offset = static_cast<std::streamoff>(text.size());
        int idle_without_supervisor = 0;
        while (!g_interrupted) {
            std::ifstream again(file, std::ios::binary);
            again.seekg(0, std::ios::end);
            const auto size = static_cast<std::streamoff>(again.tellg());
            if (size < offset) offset = 0;  // replaced: start over
            if (size > offset) {
                again.seekg(offset);
                std::string chunk(static_cast<std::size_t>(size - offset), '\0');
                again.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
                std::cout << chunk << std::flush;
                offset = size;
                idle_without_supervisor = 0;
            } else if (!running_supervisor(ctx.layout.lock_file()) && ++idle_without_supervisor > 2) {
                break;  // the stack stopped and everything it wrote has been shown
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        return exit_code::k_ok;
    }

private:
    CLI::App* command_ = nullptr;
    std::string service_;
    bool follow_ = false;
    long tail_ = -1;
    std::string state_dir_;
};

}  // namespace

std::unique_ptr<Command> make_logs_command() { return std::make_unique<LogsCommand>(); }

}  // namespace aaiti::cli
