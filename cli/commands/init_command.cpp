#include "commands/init_command.h"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "stack/stack_defaults.h"
#include "stack/stack_writer.h"

namespace aaiti::cli {
namespace {

namespace fs = std::filesystem;

class InitCommand final : public Command {
public:
    void add_to(CLI::App& parent) override {
        command_ = parent.add_subcommand("init", "Write a commented aaiti.yaml with the seed stack's defaults");
        command_->footer(std::string("Exit codes: 0 written, 1 the file exists (use --force), 74 cannot write. ") +
                         k_global_options_footer);
        command_->add_option("path", path_, "File to write, or a directory to write aaiti.yaml into (default: --config, else ./aaiti.yaml)")
            ->type_name("PATH");
        command_->add_flag("--force", force_, "Overwrite an existing file");
    }

    bool chosen() const override { return command_->parsed(); }

    int run(const GlobalOptions& globals) override {
        fs::path path = !path_.empty() ? fs::path(path_) : !globals.config_file.empty() ? fs::path(globals.config_file) : fs::path("aaiti.yaml");
        if (fs::is_directory(path)) path /= "aaiti.yaml";
        const bool existed = fs::exists(path);
        if (existed && !force_)
            throw OperationFailed("init: " + path.string() + " already exists; use --force to overwrite it");
        fs::path dir = path.parent_path();
        if (dir.empty()) dir = ".";
        std::error_code ec;
        fs::create_directories(dir, ec);
        const std::string text = stack::write_stack_yaml(stack::default_stack(dir.string()), dir.string());
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << text;
        out.close();
        if (!out) throw IoError("init: cannot write " + path.string());
        if (globals.output == OutputFormat::json)
            std::cout << nlohmann::json{{"path", path.string()}, {"overwritten", existed}}.dump() << '\n';
        else
            std::cout << (existed ? "overwrote " : "wrote ") << path.string() << "; next: aaitictl up (native) or aaitictl compose generate (Docker)\n";
        return exit_code::k_ok;
    }

private:
    CLI::App* command_ = nullptr;
    std::string path_;
    bool force_ = false;
};

}  // namespace

std::unique_ptr<Command> make_init_command() { return std::make_unique<InitCommand>(); }

}  // namespace aaiti::cli
