#include "stack/native/toolchain.h"

#include <filesystem>
#include <pwd.h>
#include <unistd.h>

#include "common/error.h"

namespace aaiti::stack::native {
namespace {

namespace fs = std::filesystem;

bool executable(const std::string& path) { return !path.empty() && ::access(path.c_str(), X_OK) == 0 && fs::is_regular_file(path); }

std::string first_executable(std::initializer_list<std::string> candidates) {
    for (const auto& c : candidates)
        if (executable(c)) return c;
    return {};
}

std::string in_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
    dirs += ":/usr/sbin:/sbin";  // haproxy lives in /usr/sbin, not in a non-root PATH
    std::size_t start = 0;
    while (start <= dirs.size()) {
        const auto end = std::min(dirs.find(':', start), dirs.size());
        const std::string candidate = dirs.substr(start, end - start) + "/" + name;
        if (end > start && executable(candidate)) return candidate;
        start = end + 1;
    }
    return name;  // not found: the bare name, which require_programs() reports as missing
}

// Our service binary: beside aaitictl (installed into one bin/), else in the build tree.
std::string our_binary(const fs::path& self_dir, const std::string& service) {
    const std::string name = "aaiti-" + service;
    std::string found = first_executable({(self_dir / name).string(), (self_dir / ".." / "services" / service / name).lexically_normal().string()});
    return found.empty() ? in_path(name) : found;
}

std::string package_of(const std::string& program) {
    const std::string base = fs::path(program).filename().string();
    if (base == "postgres" || base == "initdb" || base == "pg_basebackup") return "apt-get install postgresql-15";
    if (base == "redis-server") return "apt-get install redis-server";
    if (base == "haproxy") return "apt-get install haproxy";
    if (base == "prometheus") return "apt-get install prometheus";
    if (base == "prometheus-alertmanager") return "apt-get install prometheus-alertmanager";
    return "build it: make release";
}

void require(const std::string& program, const std::string& needed_by) {
    if (executable(program)) return;
    throw UnavailableError("up: " + program + " is not installed (" + package_of(program) + "); " + needed_by + " runs it");
}

}  // namespace

Toolchain find_toolchain(const std::string& self_exe) {
    const fs::path self_dir = fs::path(self_exe).parent_path();
    Toolchain t;
    t.aaitictl = self_exe;
    t.auth = our_binary(self_dir, "auth");
    t.gateway = our_binary(self_dir, "gateway");
    t.postgres_bin = "/usr/lib/postgresql/15/bin";
    t.redis_server = in_path("redis-server");
    t.haproxy = in_path("haproxy");
    t.prometheus = in_path("prometheus");
    t.alertmanager = in_path("prometheus-alertmanager");
    if (::geteuid() == 0 && ::getpwnam("postgres")) t.postgres_user = "postgres";
    return t;
}

void require_programs(const NativePlan& plan, const Toolchain& tools) {
    for (const auto& p : plan.processes) {
        require(p.command.argv.front(), p.name);
        for (const auto& step : p.setup) require(step.command.argv.front(), p.name + "'s " + step.description);
    }
    if (!plan.backup_schedule.empty()) require(tools.aaitictl, "the scheduled backup");
    if (::geteuid() == 0 && plan.uses_postgres && tools.postgres_user.empty())
        throw UnavailableError("up: PostgreSQL refuses to run as root and there is no \"postgres\" user to run it as "
                               "(apt-get install postgresql-15 creates it)");
}

}  // namespace aaiti::stack::native
