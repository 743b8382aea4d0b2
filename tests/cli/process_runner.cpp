#include "process_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace aaiti::cli_test {
namespace {

[[noreturn]] void fail(const std::string& what) { throw std::system_error(errno, std::generic_category(), what); }

// Closes on scope exit so an exception in the middle leaks no descriptors into later tests.
struct Fd {
    int fd = -1;
    Fd() = default;
    explicit Fd(int f) : fd(f) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }
    void reset() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
};

void make_pipe(Fd& read_end, Fd& write_end) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) fail("pipe2");
    read_end.fd = fds[0];
    write_end.fd = fds[1];
}

// Reads both streams until both reach EOF; polling avoids a deadlock when the child fills one pipe
// while we block on the other. A pty master reports EIO once the child closed the terminal: EOF.
void drain(int out_fd, std::string& out, int err_fd, std::string& err) {
    pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    std::string* sinks[2] = {&out, &err};
    int open_count = 2;
    char buffer[8192];
    while (open_count > 0) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            fail("poll");
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0) {
                sinks[i]->append(buffer, static_cast<std::size_t>(n));
            } else if (n == 0 || errno == EIO) {
                fds[i].fd = -1;
                --open_count;
            } else if (errno != EINTR && errno != EAGAIN) {
                fail("read");
            }
        }
    }
}

}  // namespace

ProcessResult run_process(const std::string& program, const std::vector<std::string>& args,
                          const ProcessOptions& options) {
    std::vector<std::string> env_strings;
    bool has_path = false;
    for (const auto& [key, value] : options.environment) {
        env_strings.push_back(key + "=" + value);
        has_path = has_path || key == "PATH";
    }
    if (!has_path) env_strings.push_back("PATH=/usr/local/bin:/usr/bin:/bin");

    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(program.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);

    Fd out_read, out_write, err_read, err_write, pty_master;
    make_pipe(err_read, err_write);
    if (options.stdout_is_terminal) {
        pty_master.fd = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (pty_master.fd < 0 || ::grantpt(pty_master.fd) != 0 || ::unlockpt(pty_master.fd) != 0) fail("posix_openpt");
        // We hold the terminal side open ourselves until the child has it: a master with no open slave
        // reads as EIO, which would look like EOF before the child started.
        out_write.fd = ::open(::ptsname(pty_master.fd), O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (out_write.fd < 0) fail("open pty");
    } else if (options.stdout_path.empty()) {
        make_pipe(out_read, out_write);
    }

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (!options.stdout_path.empty() && !options.stdout_is_terminal) {
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, options.stdout_path.c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0644);
    } else {
        posix_spawn_file_actions_adddup2(&actions, out_write.fd, STDOUT_FILENO);
    }
    posix_spawn_file_actions_adddup2(&actions, err_write.fd, STDERR_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    if (!options.working_directory.empty())
        posix_spawn_file_actions_addchdir_np(&actions, options.working_directory.c_str());

    pid_t pid = -1;
    const int spawn_rc = ::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (spawn_rc != 0) {
        errno = spawn_rc;
        fail("posix_spawn " + program);
    }
    // Our copies of the write ends must go, or the reads below never see EOF.
    out_write.reset();
    err_write.reset();

    ProcessResult result;
    if (options.stdout_is_terminal) {
        drain(pty_master.fd, result.out, err_read.fd, result.err);
    } else if (options.stdout_path.empty()) {
        drain(out_read.fd, result.out, err_read.fd, result.err);
    } else {
        std::string unused;
        Fd never;
        never.fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);  // EOF at once
        drain(never.fd, unused, err_read.fd, result.err);
    }

    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) fail("waitpid");
    }
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status)) result.exit_code = 128 + WTERMSIG(status);
    return result;
}

TempDir::TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "aaiti-cli-test-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) fail("mkdtemp");
    path_ = templ;
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::write_file(const std::string& name, const std::string& content) const {
    const std::string full = path_ + "/" + name;
    std::ofstream out(full, std::ios::binary);
    out << content;
    if (!out.flush()) throw std::runtime_error("cannot write " + full);
    return full;
}

}  // namespace aaiti::cli_test
