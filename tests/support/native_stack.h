#pragma once
// A stack run natively the way an operator runs it: a stack file with every port free, in a directory the
// unprivileged PostgreSQL user can enter, `aaitictl up --detach` (secrets made in secrets/, state in .aaiti/),
// and `aaitictl down` when the object goes. For tests of the verbs that talk to a running stack.
#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace aaiti::test {

class NativeStack {
public:
    struct Ports {
        int gateway = 0, auth = 0, postgres = 0, replica = 0, redis = 0;
    };

    // Writes aaiti.yaml (gateway, one auth instance with the cheapest password cost, PostgreSQL primary and
    // replica, Redis) and runs `aaitictl up --detach` with `profile` ("replica": PostgreSQL with password
    // authentication, its replica and Redis; "": the embedded default on SQLite). Throws, with up's output,
    // when it did not come up.
    explicit NativeStack(const std::string& profile = "replica");
    ~NativeStack();
    NativeStack(const NativeStack&) = delete;
    NativeStack& operator=(const NativeStack&) = delete;

    const std::filesystem::path& dir() const { return dir_.path(); }
    std::string stack_file() const { return (dir() / "aaiti.yaml").string(); }
    const Ports& ports() const { return ports_; }

    // aaitictl --config <stack file> ARGS, in the stack's directory, with nothing of the test's environment
    // but `env` (an operator's shell without DB_* variables).
    ProcessResult aaitictl(const std::vector<std::string>& args,
                           const std::vector<std::pair<std::string, std::string>>& env = {},
                           std::chrono::milliseconds timeout = std::chrono::seconds(120)) const;
    // Any program run the same way (aaiti-auth set-role, curl).
    ProcessResult run(const std::vector<std::string>& argv, const std::vector<std::pair<std::string, std::string>>& env = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds(120)) const;

private:
    TempDir dir_{"aaiti-stack"};
    Ports ports_;
};

}  // namespace aaiti::test
