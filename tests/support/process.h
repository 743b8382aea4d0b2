#pragma once
// Running our binaries (and helper peers) from tests as a user would: argv in, exit code and output out.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace aaiti::test {

struct ProcessOptions {
    std::optional<std::string> stdin_data;              // nullopt: stdin is /dev/null
    std::chrono::milliseconds timeout{60000};           // then the process group is killed (SIGKILL)
    std::vector<std::pair<std::string, std::string>> env;  // added to / overriding the inherited environment
    std::vector<std::string> unset_env;                 // removed from the environment (e.g. "DB_PASSWORD")
    // false: nothing of the test's environment is inherited; the child gets exactly `env`, plus PATH (the
    // test's own) when `env` has none. Use it when a stray variable of whoever runs the tests (DB_*, NO_COLOR,
    // LOG_LEVEL, ...) would change what is tested.
    bool inherit_environment = true;
    std::string working_dir;                            // empty: the test's current directory
    // run_process only (ChildProcess throws std::invalid_argument), at most one of the two:
    // - stdout_is_terminal: stdout is the terminal side of a pseudo-terminal and `out` what came out of it
    //   (isatty(1) holds in the child; the line discipline turns "\n" into "\r\n"). stderr stays a pipe
    //   unless stderr_is_terminal.
    // - stdout_path: stdout is this file, opened O_WRONLY|O_CREAT|O_TRUNC by the test (a relative path is
    //   relative to the test's directory, not working_dir), e.g. "/dev/full" to test write errors; `out`
    //   stays empty.
    bool stdout_is_terminal = false;
    std::string stdout_path;
    // run_process only: stderr is the terminal side of its own pseudo-terminal and `err` what came out of
    // it (isatty(2) holds; "\n" arrives as "\r\n"), e.g. to see a progress display. Combines with either above.
    bool stderr_is_terminal = false;
};

struct ProcessResult {
    int exit_code = -1;    // the exit status, or 128 + signal number when killed by a signal (as a shell)
    int term_signal = 0;   // the signal that ended it, 0 if it exited
    bool timed_out = false;
    std::string out;       // everything written to stdout
    std::string err;       // everything written to stderr
};

// Runs argv[0] (looked up in PATH when it has no '/') to completion. stdout and stderr are read while the
// process runs (no deadlock on large output), stdin is fed as it is drained. The child runs in its own
// process group, which is killed as a whole on timeout. Throws std::runtime_error if it cannot be started.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// A process running in the background while the test talks to it (a service, an HTTP peer). Its stdout and
// stderr go to files, read on demand, so it never blocks on a full pipe. The destructor kills what is left
// (the whole process group).
class ChildProcess {
public:
    explicit ChildProcess(const std::vector<std::string>& argv, const ProcessOptions& options = {});
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }
    bool running();
    // Output so far.
    std::string out() const;
    std::string err() const;
    // Sends `signal` to the process (not its group).
    void signal(int signal);
    // Waits up to `timeout` for it to exit; nullopt if it is still running.
    std::optional<ProcessResult> wait(std::chrono::milliseconds timeout);
    // Polls `out()` until it contains `text` or the timeout passes (or the process dies). True if found.
    bool wait_for_output(const std::string& text, std::chrono::milliseconds timeout);
    // SIGTERM, wait up to `grace`, then SIGKILL the group. Returns the final result.
    ProcessResult stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));

private:
    std::optional<ProcessResult> reap(bool block);

    pid_t pid_ = -1;
    std::string dir_;  // holds stdout/stderr files
    std::optional<ProcessResult> result_;
};

// Absolute path of one of our built executables ("aaitictl", "aaiti-gateway", ...) under $AAITI_BUILD_DIR.
// Throws std::runtime_error naming the build command when it is not built.
std::string binary_path(const std::string& name);

// Our aaitictl with `args`, run to completion in `working_dir` with nothing of the test runner's environment
// but PATH (a stray DB_PASSWORD, LOG_* or NO_COLOR would change what is tested).
ProcessResult run_aaitictl(const std::vector<std::string>& args, const std::filesystem::path& working_dir);

// $AAITI_SOURCE_DIR/<relative> (e.g. "tests/support/http_peer.py"); throws if the variable is unset.
std::string source_path(const std::string& relative);

}  // namespace aaiti::test
