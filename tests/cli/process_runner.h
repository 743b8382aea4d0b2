#pragma once
// A small subprocess runner for the CLI tests: runs a program with exactly the environment and working
// directory a test gives it, and captures stdout and stderr. Local to tests/cli until tests/support
// offers the same; it needs no database, so these tests run under the `unit` label.
#include <map>
#include <string>
#include <vector>

namespace aaiti::cli_test {

struct ProcessResult {
    int exit_code = -1;  // 128 + signal number when the child was killed by a signal
    std::string out;
    std::string err;
};

struct ProcessOptions {
    // The child's whole environment: nothing is inherited, so DB_* variables of whoever runs the
    // tests cannot leak in. PATH is added when missing.
    std::map<std::string, std::string> environment;
    std::string working_directory;  // empty: the test's own
    bool stdout_is_terminal = false;  // run stdout on a pseudo-terminal (for colour tests)
    std::string stdout_path;          // when set, stdout goes to this file (e.g. /dev/full) instead
};

ProcessResult run_process(const std::string& program, const std::vector<std::string>& args,
                          const ProcessOptions& options = {});

// A directory under /tmp removed with everything in it when the object goes away.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    // Writes `content` to path()/name and returns the full path.
    std::string write_file(const std::string& name, const std::string& content) const;

private:
    std::string path_;
};

}  // namespace aaiti::cli_test
