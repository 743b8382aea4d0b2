#include "tests/support/process.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>  // posix_openpt, grantpt, unlockpt, ptsname_r
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/temp_dir.h"

extern char** environ;

namespace aaiti::test {
namespace {

using Clock = std::chrono::steady_clock;

std::runtime_error sys_error(const std::string& what, int err) {
    return std::runtime_error(what + ": " + std::strerror(err));
}

// Writing stdin of a child that has already exited must give EPIPE, not kill the test. The child gets
// SIGPIPE back at its default (POSIX_SPAWN_SETSIGDEF below), so our binaries behave as under a shell.
void ignore_sigpipe_once() {
    static std::once_flag once;
    std::call_once(once, [] { ::signal(SIGPIPE, SIG_IGN); });
}

class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() { reset(); }
    Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    Fd& operator=(Fd&& o) noexcept {
        if (this != &o) {
            reset();
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }
    int get() const { return fd_; }
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_ = -1;
};

struct Pipe {
    Fd read;
    Fd write;
};

Pipe make_pipe() {
    int fds[2];
    // O_CLOEXEC: a child spawned concurrently from another thread must not inherit our ends (it would
    // keep the pipe open and we would never see EOF).
    if (::pipe2(fds, O_CLOEXEC) != 0) throw sys_error("pipe2", errno);
    return Pipe{Fd(fds[0]), Fd(fds[1])};
}

void set_nonblocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

// The stdout_is_terminal side: a pseudo-terminal pair, both ends close-on-exec (a child spawned
// concurrently from another thread must not inherit them).
void open_pty(Fd& master, Fd& terminal) {
    master = Fd(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (master.get() < 0) throw sys_error("posix_openpt", errno);
    if (::grantpt(master.get()) != 0 || ::unlockpt(master.get()) != 0) throw sys_error("grantpt/unlockpt", errno);
    char name[128];
    if (const int rc = ::ptsname_r(master.get(), name, sizeof name); rc != 0) throw sys_error("ptsname_r", rc);
    // We hold the terminal side open until the child has it: a master with no open terminal side reads as
    // EIO, which would look like EOF before the child started.
    terminal = Fd(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (terminal.get() < 0) throw sys_error(std::string("open ") + name, errno);
}

std::vector<std::string> build_environment(const ProcessOptions& options) {
    std::map<std::string, std::string> vars;
    if (options.inherit_environment) {
        for (char** e = environ; *e != nullptr; ++e) {
            const std::string entry(*e);
            const auto eq = entry.find('=');
            if (eq != std::string::npos) vars[entry.substr(0, eq)] = entry.substr(eq + 1);
        }
    }
    for (const auto& name : options.unset_env) vars.erase(name);
    for (const auto& [name, value] : options.env) vars[name] = value;
    if (!options.inherit_environment && vars.count("PATH") == 0) {
        const char* path = std::getenv("PATH");
        vars["PATH"] = path != nullptr && *path != '\0' ? path : "/usr/local/bin:/usr/bin:/bin";
    }
    std::vector<std::string> out;
    out.reserve(vars.size());
    for (const auto& [name, value] : vars) out.push_back(name + "=" + value);
    return out;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

// Spawns argv with fds 0/1/2 taken from the given descriptors, in a new process group.
pid_t spawn(const std::vector<std::string>& argv, const ProcessOptions& options, int in_fd, int out_fd,
            int err_fd) {
    if (argv.empty()) throw std::runtime_error("run_process: empty argv");
    ignore_sigpipe_once();

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_fd, 0);
    posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
    if (!options.working_dir.empty()) {
        posix_spawn_file_actions_addchdir_np(&actions, options.working_dir.c_str());
    }

    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (const int s : {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD}) sigaddset(&defaults, s);
    sigset_t empty_mask;
    sigemptyset(&empty_mask);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setsigmask(&attr, &empty_mask);
    posix_spawnattr_setpgroup(&attr, 0);  // own group: a timeout kills the child and anything it started
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);

    auto args = argv;
    auto env = build_environment(options);
    auto c_args = c_strings(args);
    auto c_env = c_strings(env);
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, c_args[0], &actions, &attr, c_args.data(), c_env.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) throw sys_error("cannot start " + argv[0], rc);
    return pid;
}

void fill_status(ProcessResult& r, int status) {
    if (WIFEXITED(status)) {
        r.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        r.term_signal = WTERMSIG(status);
        r.exit_code = 128 + r.term_signal;
    }
}

std::string read_whole_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
    if (options.stdout_is_terminal && !options.stdout_path.empty()) {
        throw std::invalid_argument("run_process: stdout_is_terminal and stdout_path exclude each other");
    }
    // out.read is what we drain: a pipe, the pty's master side, or nothing when stdout goes to a file.
    Pipe out;
    if (options.stdout_is_terminal) {
        open_pty(out.read, out.write);
    } else if (!options.stdout_path.empty()) {
        out.write = Fd(::open(options.stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        if (out.write.get() < 0) throw sys_error("run_process: open " + options.stdout_path, errno);
    } else {
        out = make_pipe();
    }
    Pipe err;
    if (options.stderr_is_terminal)
        open_pty(err.read, err.write);
    else
        err = make_pipe();
    Pipe in;
    Fd dev_null;
    if (options.stdin_data) {
        in = make_pipe();
    } else {
        dev_null = Fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    }
    const pid_t pid = spawn(argv, options, options.stdin_data ? in.read.get() : dev_null.get(), out.write.get(),
                            err.write.get());
    // Our copies of the child's ends must go, or we never see EOF.
    out.write.reset();
    err.write.reset();
    in.read.reset();
    dev_null.reset();

    ProcessResult result;
    std::string_view to_write = options.stdin_data ? std::string_view(*options.stdin_data) : std::string_view();
    if (options.stdin_data) {
        set_nonblocking(in.write.get());
        if (to_write.empty()) in.write.reset();
    }
    if (out.read.get() >= 0) set_nonblocking(out.read.get());
    set_nonblocking(err.read.get());

    const auto deadline = Clock::now() + options.timeout;
    bool exited = false;
    int status = 0;
    std::optional<Clock::time_point> quiet_since;  // after exit: how long no more output came

    while (true) {
        if (!exited) {
            const pid_t w = ::waitpid(pid, &status, WNOHANG);
            if (w == pid) exited = true;
        }
        const bool pipes_open = out.read.get() >= 0 || err.read.get() >= 0;
        if (exited && !pipes_open) break;
        // A grandchild (e.g. a daemon it started) may hold the pipes open after the child is gone: read what
        // comes for a short while, then stop waiting for EOF.
        if (exited && quiet_since && Clock::now() - *quiet_since > std::chrono::milliseconds(200)) break;
        if (Clock::now() >= deadline) {
            ::kill(-pid, SIGKILL);
            if (!exited) {
                ::waitpid(pid, &status, 0);
                exited = true;
            }
            result.timed_out = true;
            break;
        }

        pollfd fds[3];
        nfds_t n = 0;
        for (const int fd : {out.read.get(), err.read.get()}) {
            if (fd >= 0) fds[n++] = pollfd{fd, POLLIN, 0};
        }
        if (in.write.get() >= 0) fds[n++] = pollfd{in.write.get(), POLLOUT, 0};
        // Short poll: we also need to notice the exit (waitpid) without SIGCHLD handling.
        const int ready = ::poll(fds, n, 20);
        if (ready < 0 && errno != EINTR) throw sys_error("poll", errno);
        bool got_output = false;
        for (nfds_t i = 0; i < n && ready > 0; ++i) {
            if (fds[i].revents == 0) continue;
            const int fd = fds[i].fd;
            if (fd == in.write.get()) {
                const ssize_t w = ::write(fd, to_write.data(), to_write.size());
                if (w > 0) to_write.remove_prefix(static_cast<size_t>(w));
                // EPIPE: the child does not read its stdin; that is its business.
                if (to_write.empty() || (w < 0 && errno != EAGAIN && errno != EINTR)) in.write.reset();
                continue;
            }
            char buf[65536];
            const ssize_t r = ::read(fd, buf, sizeof buf);
            if (r > 0) {
                (fd == out.read.get() ? result.out : result.err).append(buf, static_cast<size_t>(r));
                got_output = true;
            } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                // EOF; for a pty master, EIO once every terminal side is closed.
                (fd == out.read.get() ? out.read : err.read).reset();
            }
        }
        if (exited) {
            if (got_output || !quiet_since) quiet_since = Clock::now();
        }
    }
    fill_status(result, status);
    return result;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const ProcessOptions& options) {
    if (options.stdout_is_terminal || options.stderr_is_terminal || !options.stdout_path.empty()) {
        throw std::invalid_argument("ChildProcess: stdout_is_terminal, stderr_is_terminal and stdout_path are for run_process only");
    }
    TempDir dir("aaiti-child");
    const std::string out_path = (dir.path() / "stdout").string();
    const std::string err_path = (dir.path() / "stderr").string();
    const std::string in_path = (dir.path() / "stdin").string();
    Fd in;
    if (options.stdin_data) {
        std::ofstream(in_path, std::ios::binary) << *options.stdin_data;
        in = Fd(::open(in_path.c_str(), O_RDONLY | O_CLOEXEC));
    } else {
        in = Fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    }
    Fd out(::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    Fd err(::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (in.get() < 0 || out.get() < 0 || err.get() < 0) throw sys_error("ChildProcess: open " + dir.path().string(), errno);
    pid_ = spawn(argv, options, in.get(), out.get(), err.get());
    dir_ = dir.release();
}

ChildProcess::~ChildProcess() {
    if (pid_ > 0) {
        ::kill(-pid_, SIGKILL);
        if (!result_) reap(true);
    }
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

std::optional<ProcessResult> ChildProcess::reap(bool block) {
    if (result_) return result_;
    int status = 0;
    const pid_t w = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
    if (w != pid_) return std::nullopt;
    ProcessResult r;
    fill_status(r, status);
    r.out = out();
    r.err = err();
    result_ = r;
    return result_;
}

bool ChildProcess::running() { return !reap(false).has_value(); }

std::string ChildProcess::out() const { return read_whole_file(dir_ + "/stdout"); }
std::string ChildProcess::err() const { return read_whole_file(dir_ + "/stderr"); }

void ChildProcess::signal(int sig) {
    if (!result_) ::kill(pid_, sig);
}

std::optional<ProcessResult> ChildProcess::wait(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
        if (auto r = reap(false)) return r;
        if (Clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

bool ChildProcess::wait_for_output(const std::string& text, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
        if (out().find(text) != std::string::npos) return true;
        if (!running() || Clock::now() >= deadline) return out().find(text) != std::string::npos;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

ProcessResult ChildProcess::stop(std::chrono::milliseconds grace) {
    signal(SIGTERM);
    auto r = wait(grace);
    if (!r) {
        ::kill(-pid_, SIGKILL);
        r = reap(true);
        r->timed_out = true;
        result_ = r;
    }
    ::kill(-pid_, SIGKILL);  // whatever it started and left behind in its group
    return *r;
}

ProcessResult run_aaitictl(const std::vector<std::string>& args, const std::filesystem::path& working_dir) {
    std::vector<std::string> argv = {binary_path("aaitictl")};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessOptions o;
    o.working_dir = working_dir.string();
    o.inherit_environment = false;
    return run_process(argv, o);
}

std::string binary_path(const std::string& name) {
    const char* build = std::getenv("AAITI_BUILD_DIR");
    if (build == nullptr || *build == '\0') {
        throw std::runtime_error("binary_path(" + name + "): AAITI_BUILD_DIR is not set; run the test through ctest");
    }
    namespace fs = std::filesystem;
    const fs::path root(build);
    const auto is_executable = [](const fs::path& p) {
        std::error_code ec;
        return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
    };
    // Usual places first (cheap), then anywhere in the build tree: the layout of output directories is the
    // build's business, the tests only know the binary's name.
    for (const auto& candidate : {root / "bin" / name, root / name, root / "cli" / name,
                                  root / "services" / name.substr(name.find('-') + 1) / name}) {
        if (is_executable(candidate)) return candidate.string();
    }
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        const auto& p = it->path();
        if (it->is_directory(ec) && (p.filename() == "CMakeFiles" || p.filename() == "test-servers")) {
            it.disable_recursion_pending();
            continue;
        }
        if (p.filename() == name && is_executable(p)) return p.string();
    }
    throw std::runtime_error("binary_path: no executable '" + name + "' under " + root.string() +
                             "; build it first (ninja -C " + root.string() + " " + name + ")");
}

std::string source_path(const std::string& relative) {
    const char* source = std::getenv("AAITI_SOURCE_DIR");
    if (source == nullptr || *source == '\0') {
        throw std::runtime_error("source_path(" + relative + "): AAITI_SOURCE_DIR is not set; run the test through ctest");
    }
    return (std::filesystem::path(source) / relative).string();
}

}  // namespace aaiti::test
