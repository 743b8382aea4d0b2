#include "stack/generate.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "stack/stack_defaults.h"

namespace aaiti::stack {
namespace fs = std::filesystem;

ProfileSelection ProfileSelection::from(const std::vector<Profile>& profiles) {
    ProfileSelection p;
    const auto has = [&](Profile x) { return profiles.empty() || std::find(profiles.begin(), profiles.end(), x) != profiles.end(); };
    p.load_balancer = has(Profile::production);
    p.replica = p.load_balancer || has(Profile::replica);
    p.monitoring = p.load_balancer || has(Profile::monitoring);
    return p;
}

std::string jaeger_otlp_endpoint(const Stack&) {
    // Inside the compose network Jaeger's OTLP/HTTP receiver is always jaeger:4318 (the stack's
    // otlp_http_port is only its published port).
    return "http://jaeger:4318/v1/traces";
}

std::string yaml_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

std::vector<GeneratedFile> render_stack_files(const Stack& stack, const GenerateOptions& options) {
    const ProfileSelection p = ProfileSelection::from(options.profiles);
    const std::string out_dir = resolve_path(options.output_dir.empty() ? "." : options.output_dir, ".");
    std::vector<GeneratedFile> files = render_compose(stack, p, options.stack_file, out_dir, options.settings);
    for (auto& f : render_dockerfiles(stack)) files.push_back(std::move(f));
    if (p.load_balancer) files.push_back(render_haproxy(stack));
    if (p.monitoring) {
        for (auto& f : render_prometheus(stack, p)) files.push_back(std::move(f));
        files.push_back(render_alertmanager(stack));
        for (auto& f : render_grafana(stack)) files.push_back(std::move(f));
    }
    return files;
}

std::vector<GeneratedFile> generate_stack_files(const Stack& stack, const GenerateOptions& options) {
    auto files = render_stack_files(stack, options);
    const fs::path dir = options.output_dir.empty() ? fs::path(".") : fs::path(options.output_dir);
    for (const auto& f : files) {
        const fs::path path = dir / f.path;
        std::error_code ec;
        fs::create_directories(path.parent_path(), ec);
        if (ec) throw IoError("compose generate: cannot create directory " + path.parent_path().string() + ": " + ec.message());
        {
            std::ofstream out(path, std::ios::binary | std::ios::trunc);
            if (f.secret) fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, ec);
            out << f.content;
            out.close();
            if (!out) throw IoError("compose generate: cannot write " + path.string());
        }
        if (f.path.size() > 3 && f.path.substr(f.path.size() - 3) == ".sh")
            fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                                      fs::perms::others_exec, ec);
    }
    return files;
}

}  // namespace aaiti::stack
