#include "stack/native/child_process.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <vector>

#include "common/error.h"

namespace aaiti::stack::native {
namespace {

struct Identity {
    bool switch_user = false;
    uid_t uid = 0;
    gid_t gid = 0;
    std::string home;
};

Identity identity_of(const std::string& user) {
    Identity id;
    if (user.empty()) return id;
    const passwd* pw = ::getpwnam(user.c_str());
    if (!pw) throw IoError("up: cannot run as user \"" + user + "\": no such user");
    id.switch_user = true;
    id.uid = pw->pw_uid;
    id.gid = pw->pw_gid;
    id.home = pw->pw_dir;
    return id;
}

// Only async-signal-safe calls between fork and exec: the supervisor has probe threads.
[[noreturn]] void exec_in_child(const Identity& id, int output_write, int stdin_fd, const char* dir, char* const* argv,
                                char* const* envp, pid_t supervisor) {
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::dup2(stdin_fd, STDIN_FILENO);
    ::dup2(output_write, STDOUT_FILENO);
    ::dup2(output_write, STDERR_FILENO);
    ::close_range(3, ~0U, 0);
    auto fail = [](const char* what) {
        const char* reason = ::strerror(errno);  // not strictly async-signal-safe, but only read once before _exit
        ::write(STDERR_FILENO, what, ::strlen(what));
        ::write(STDERR_FILENO, reason, ::strlen(reason));
        ::write(STDERR_FILENO, "\n", 1);
        ::_exit(127);
    };
    if (id.switch_user) {
        if (::setgroups(1, &id.gid) != 0 || ::setgid(id.gid) != 0 || ::setuid(id.uid) != 0) fail("aaitictl: cannot switch user: ");
    }
    // After setuid: changing credentials clears the parent-death signal.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != supervisor) ::_exit(128 + SIGTERM);  // the supervisor died before prctl took effect
    if (dir[0] && ::chdir(dir) != 0) fail("aaitictl: cannot enter the working directory: ");
    ::execve(argv[0], argv, envp);
    fail("aaitictl: cannot execute the program: ");
    ::_exit(127);  // fail() does not return; the compiler cannot see that through the lambda
}

}  // namespace

StartedChild start_child(const Command& command, const std::string& working_dir) {
    if (command.argv.empty()) throw IoError("up: empty command");
    const Identity id = identity_of(command.run_as);

    std::vector<std::string> env_strings;
    for (const auto& [k, v] : command.env) env_strings.push_back(k + "=" + v);
    if (id.switch_user && !command.env.count("HOME")) env_strings.push_back("HOME=" + id.home);
    std::vector<char*> envp, argv;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = command.argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) throw IoError(std::string("up: pipe: ") + std::strerror(errno));
    const int null_in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_in < 0) {
        ::close(out[0]);
        ::close(out[1]);
        throw IoError(std::string("up: /dev/null: ") + std::strerror(errno));
    }
    const pid_t supervisor = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
        for (int fd : {out[0], out[1], null_in}) ::close(fd);
        throw IoError(std::string("up: fork: ") + std::strerror(errno));
    }
    if (pid == 0) exec_in_child(id, out[1], null_in, working_dir.c_str(), argv.data(), envp.data(), supervisor);
    ::setpgid(pid, pid);  // also here: whichever runs first, the group exists before we signal it
    ::close(out[1]);
    ::close(null_in);
    ::fcntl(out[0], F_SETFL, ::fcntl(out[0], F_GETFL) | O_NONBLOCK);
    return {pid, out[0]};
}

bool signal_group(pid_t pgid, int signal) { return pgid > 0 && ::kill(-pgid, signal) == 0; }

}  // namespace aaiti::stack::native
