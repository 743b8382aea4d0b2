#include "stack/native/native_start.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <poll.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/error.h"
#include "common/secrets.h"
#include "stack/native/child_process.h"
#include "stack/native/supervisor_control.h"
#include "stack/native/toolchain.h"

namespace aaiti::stack::native {
namespace {

namespace fs = std::filesystem;

std::string random_hex(std::size_t bytes) {
    std::ifstream urandom("/dev/urandom", std::ios::binary);
    std::string raw(bytes, '\0');
    urandom.read(raw.data(), static_cast<std::streamsize>(bytes));
    if (!urandom) throw IoError("up: cannot read /dev/urandom");
    static const char k_hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : raw) out += {k_hex[c >> 4], k_hex[c & 15]};
    return out;
}

// The secret in `<dir>/<name>`, made when missing.
std::string secret_file(const std::string& dir, const std::string& name, std::vector<std::string>& created) {
    const std::string path = dir + "/" + name;
    if (!fs::exists(path)) {
        fs::create_directories(dir);
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) throw IoError("up: cannot create " + path + ": " + std::strerror(errno));
        const std::string value = random_hex(32) + "\n";
        const bool ok = ::write(fd, value.data(), value.size()) == static_cast<ssize_t>(value.size());
        ::close(fd);
        if (!ok) throw IoError("up: cannot write " + path);
        created.push_back(path);
    }
    // Read as the services (JWT_SECRET_FILE, DB_PASSWORD_FILE) and `db status` read it, so all see one value.
    const std::string value = read_secret_file(path, "secrets_dir/" + name);
    if (value.empty()) throw ConfigError("up: " + path + " is empty; put the secret in it or delete it to have one made");
    return value;
}

std::vector<PortClaim> port_claims(const NativePlan& plan, int metrics_port) {
    std::vector<PortClaim> claims;
    for (const auto& p : plan.processes)
        for (std::size_t i = 0; i < p.ports.size(); ++i) claims.push_back({p.ports[i], p.name, i < p.port_keys.size() ? p.port_keys[i] : "?"});
    if (metrics_port > 0) claims.push_back({metrics_port, "the supervisor's /metrics", "monitoring.supervisor.port"});
    return claims;
}

void write_config_files(const NativePlan& plan, const StateLayout& layout) {
    for (const auto& f : plan.config_files) {
        const fs::path path = fs::path(layout.config()) / f.path;
        fs::create_directories(path.parent_path());
        std::ofstream out(path, std::ios::trunc);
        // A secret file is made private before anything is written to it (a file left by an older run too).
        if (f.secret) fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
        out << f.content;
        out.close();
        if (!out) throw IoError("up: cannot write " + path.string());
    }
}

// Runs `command` to its end; its exit status (127: not started) and output.
std::pair<int, std::string> run_to_completion(const Command& command) {
    const StartedChild child = start_child(command, "");
    std::string output;
    pollfd pfd{child.output_fd, POLLIN, 0};
    for (;;) {
        char buf[4096];
        const ssize_t n = ::read(child.output_fd, buf, sizeof buf);
        if (n > 0) {
            output.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n == 0) break;
        if (errno != EAGAIN && errno != EINTR) break;
        ::poll(&pfd, 1, 1000);
    }
    ::close(child.output_fd);
    int status = 0;
    while (::waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
    }
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128, output};
}

}  // namespace

NativeSecrets ensure_native_secrets(const Stack& stack, bool uses_postgres, std::vector<std::string>& created) {
    NativeSecrets s;
    secret_file(stack.secrets_dir, "jwt_secret", created);
    s.jwt_secret_file = stack.secrets_dir + "/jwt_secret";
    if (uses_postgres) {
        s.db_password = secret_file(stack.secrets_dir, "db_password", created);
        s.replication_password = secret_file(stack.secrets_dir, "replication_password", created);
        s.redis_password = secret_file(stack.secrets_dir, "redis_password", created);
        secret_file(stack.secrets_dir, "backup_key", created);  // 64 hex digits: a 32-byte key for `backup`
    }
    return s;
}

void require_reachable_by(const std::string& dir, const std::string& user) {
    const passwd* pw = ::getpwnam(user.c_str());
    if (!pw) throw ConfigError("up: no such user \"" + user + "\"");
    for (fs::path p = fs::path(dir).parent_path(); !p.empty(); p = p.parent_path()) {
        struct stat st {};
        if (::stat(p.c_str(), &st) == 0) {
            const bool searchable = (st.st_mode & S_IXOTH) || (st.st_uid == pw->pw_uid && (st.st_mode & S_IXUSR)) ||
                                    (st.st_gid == pw->pw_gid && (st.st_mode & S_IXGRP));
            if (!searchable)
                throw ConfigError("up: PostgreSQL runs as the unprivileged user \"" + user + "\", which cannot enter " + p.string() +
                                  " to reach its data in " + dir + "; choose a state directory it can reach with --state-dir "
                                  "(e.g. /var/lib/aaiti) or allow it in (chmod o+x " + p.string() + ")");
        }
        if (p == p.root_path()) break;
    }
}

PreparedStart prepare_native_start(const NativeStartRequest& request) {
    PreparedStart prepared;
    const StateLayout layout{request.state_dir};
    // No profile is the embedded default here (compose's "no profile" means all of them).
    const ProfileSelection selection = request.profiles.empty() ? ProfileSelection{} : ProfileSelection::from(request.profiles);
    const bool uses_postgres = selection.replica || selection.monitoring || selection.load_balancer;
    std::vector<std::string> created;
    const NativeSecrets secrets = ensure_native_secrets(request.stack, uses_postgres, created);
    for (const auto& c : created) prepared.notes.push_back("made the secret " + c + " (mode 0600)");

    const Toolchain tools = find_toolchain(request.self_exe);
    prepared.plan = plan_native_stack(request.stack, selection, layout, tools, secrets, request.settings);
    require_programs(prepared.plan, tools);
    const int metrics_port = selection.monitoring ? request.stack.monitoring.supervisor_port : 0;
    require_ports_free(port_claims(prepared.plan, metrics_port));

    fs::create_directories(layout.logs());
    fs::create_directories(layout.data() + "/redis");
    fs::create_directories(layout.config());
    if (uses_postgres && !tools.postgres_user.empty()) require_reachable_by(layout.postgres(), tools.postgres_user);
    write_config_files(prepared.plan, layout);

    SupervisorOptions& o = prepared.options;
    o.layout = layout;
    o.stack_file = request.stack_file;
    for (auto p : request.profiles) o.profile_names.emplace_back(to_string(p));
    o.failover_after = request.failover_after;
    o.metrics_port = metrics_port;
    o.aaitictl = tools.aaitictl;
    o.database_password = secrets.db_password;
    if (uses_postgres) {
        o.backup_env = {{"PATH", "/usr/local/bin:/usr/bin:/bin"},
                        {"LANG", "C.UTF-8"},
                        {"BACKUP_REPOSITORY", request.stack.backup.repository},
                        {"BACKUP_KEY_FILE", request.stack.secrets_dir + "/backup_key"},
                        {"LOG_FORMAT", "json"}};
        const auto& b = request.stack.backup;
        o.prune_args = {"--keep-daily", std::to_string(b.keep_daily), "--keep-weekly", std::to_string(b.keep_weekly), "--keep-monthly",
                        std::to_string(b.keep_monthly)};
    }
    return prepared;
}

}  // namespace aaiti::stack::native

namespace aaiti::stack::native {

std::vector<std::string> render_process_config(const NativeStartRequest& request, const std::string& process,
                                               const std::vector<int>& running_ports) {
    const StateLayout layout{request.state_dir};
    const ProfileSelection selection = request.profiles.empty() ? ProfileSelection{} : ProfileSelection::from(request.profiles);
    const bool uses_postgres = selection.replica || selection.monitoring || selection.load_balancer;
    std::vector<std::string> created;
    const NativeSecrets secrets = ensure_native_secrets(request.stack, uses_postgres, created);
    const Toolchain tools = find_toolchain(request.self_exe);
    const NativePlan plan = plan_native_stack(request.stack, selection, layout, tools, secrets, request.settings);

    const ProcessSpec* spec = nullptr;
    for (const auto& p : plan.processes)
        if (p.name == process) spec = &p;
    if (!spec) return {};
    if (!running_ports.empty() && spec->ports != running_ports) {
        std::string keys;
        for (std::size_t i = 0; i < spec->ports.size(); ++i)
            keys += (keys.empty() ? "" : ", ") + (i < spec->port_keys.size() ? spec->port_keys[i] : "?") + " " +
                    std::to_string(spec->ports[i]);
        throw OperationFailed("restart: " + process + "'s ports changed in the stack file (now " + keys +
                              "); the running supervisor checks and probes the ports planned at up: aaitictl down, then "
                              "aaitictl up");
    }
    std::vector<std::string> written;
    const std::string prefix = process + "/";
    for (const auto& f : plan.config_files) {
        if (f.path.rfind(prefix, 0) != 0) continue;
        const fs::path path = fs::path(layout.config()) / f.path;
        const fs::path fresh = path.string() + ".new";
        fs::create_directories(path.parent_path());
        {
            std::ofstream out(fresh, std::ios::trunc);
            if (f.secret) fs::permissions(fresh, fs::perms::owner_read | fs::perms::owner_write);
            out << f.content;
            out.close();
            if (!out) throw IoError("restart: cannot write " + fresh.string());
        }
        if (process == "haproxy") {
            const auto [status, output] = run_to_completion({{tools.haproxy, "-c", "-q", "-f", fresh.string()}, {{"PATH", "/usr/bin:/bin"}}, ""});
            if (status != 0) {
                fs::remove(fresh);
                throw ConfigError("restart: haproxy refuses the configuration made from the stack file, so the running one stays: " +
                                  output);
            }
        }
        fs::rename(fresh, path);
        written.push_back(path.string());
    }
    return written;
}

}  // namespace aaiti::stack::native
