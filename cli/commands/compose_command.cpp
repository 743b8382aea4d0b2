#include "commands/compose_command.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "stack/generate.h"
#include "stack_runtime.h"
#include "table.h"

namespace aaiti::cli {
namespace {

namespace fs = std::filesystem;

class ComposeCommand final : public Command {
public:
    void add_to(CLI::App& parent) override {
        command_ = parent.add_subcommand("compose", "Docker Compose and friends from the stack file");
        command_->footer(k_global_options_footer);
        command_->require_subcommand(1);
        generate_ = command_->add_subcommand(
            "generate", "Render docker-compose.yml, haproxy.cfg, Prometheus, Alertmanager, Grafana and Dockerfiles");
        generate_->footer(std::string("-o is the output format (global); the directory is --out/-d. ") + k_global_options_footer);
        generate_->add_option("--profile", profiles_, "production, replica or monitoring; repeatable (default: all)")
            ->type_name("P")
            ->check(CLI::IsMember({"production", "replica", "monitoring"}));
        generate_->add_option("-d,--out", out_dir_, "Directory to write into (created if missing)")->type_name("DIR")->capture_default_str();
    }

    bool chosen() const override { return command_->parsed(); }

    int run(const GlobalOptions& globals) override {
        StackRuntimeContext ctx = load_stack_runtime(globals, "", "compose generate");
        const stack::StackSettings settings = apply_user_configuration(ctx, "compose generate");
        const stack::Stack& stack = ctx.stack;

        stack::GenerateOptions options;
        for (const auto& p : profiles_) options.profiles.push_back(stack::parse_profile(p));
        options.output_dir = out_dir_;
        options.settings = settings.passed;
        options.stack_file = ctx.stack_file.empty() ? "the default stack" : fs::path(ctx.stack_file).filename().string();
        if (!stack.load_balancer.certificate.empty() && !fs::exists(stack.load_balancer.certificate))
            std::cerr << "compose generate: warning: load_balancer.certificate " << stack.load_balancer.certificate
                      << " does not exist yet; HAProxy will not start without it\n";
        const auto files = stack::generate_stack_files(stack, options);

        if (globals.output == OutputFormat::json) {
            nlohmann::json list = nlohmann::json::array();
            for (const auto& f : files) list.push_back((fs::path(out_dir_) / f.path).string());
            nlohmann::json profiles = nlohmann::json::array();
            for (const auto& p : profiles_) profiles.push_back(p);
            std::cout << nlohmann::json{{"directory", out_dir_}, {"profiles", profiles}, {"files", list}}.dump() << '\n';
        } else {
            Table table{{"FILE", "BYTES"}, {}};
            for (const auto& f : files) table.rows.push_back({(fs::path(out_dir_) / f.path).string(), std::to_string(f.content.size())});
            print_table(std::cout, table, stdout_color(globals));
        }
        return exit_code::k_ok;
    }

private:
    CLI::App* command_ = nullptr;
    CLI::App* generate_ = nullptr;
    std::vector<std::string> profiles_;
    std::string out_dir_ = "deploy";
};

}  // namespace

std::unique_ptr<Command> make_compose_command() { return std::make_unique<ComposeCommand>(); }

}  // namespace aaiti::cli
