#include "tests/support/native_stack.h"

#include <set>
#include <stdexcept>

#include "tests/support/network.h"

namespace aaiti::test {
namespace {

namespace fs = std::filesystem;

// Distinct free ports, none another's + 100 (where a second instance of a service would listen).
int distinct_port(std::set<int>& taken) {
    for (;;) {
        const int p = free_loopback_port();
        if (!taken.count(p) && !taken.count(p + 100) && !taken.count(p - 100) && p + 100 < 65536) {
            taken.insert(p);
            return p;
        }
    }
}

}  // namespace

NativeStack::NativeStack(const std::string& profile) {
    std::set<int> taken;
    ports_ = {distinct_port(taken), distinct_port(taken), distinct_port(taken), distinct_port(taken), distinct_port(taken)};
    fs::permissions(dir(), fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    const auto p = [](int port) { return std::to_string(port); };
    dir_.write_file("aaiti.yaml", "services:\n"
                                  "  gateway: {port: " + p(ports_.gateway) + "}\n"
                                  "  auth: {port: " + p(ports_.auth) + ", replicas: 1, environment: {AUTH_PASSWORD_COST: \"min\"}}\n"
                                  "database: {port: " + p(ports_.postgres) + ", replica: {port: " + p(ports_.replica) + "}}\n"
                                  "redis: {port: " + p(ports_.redis) + "}\n");
    std::vector<std::string> up = {"up", "--detach"};
    if (!profile.empty()) up.insert(up.end(), {"--profile", profile});
    const auto r = aaitictl(up, {}, std::chrono::seconds(240));
    if (r.exit_code != 0) {
        aaitictl({"down"});
        throw std::runtime_error("aaitictl up exited " + std::to_string(r.exit_code) + ":\n" + r.out + r.err);
    }
}

NativeStack::~NativeStack() { aaitictl({"down"}); }

ProcessResult NativeStack::aaitictl(const std::vector<std::string>& args, const std::vector<std::pair<std::string, std::string>>& env,
                                    std::chrono::milliseconds timeout) const {
    std::vector<std::string> argv = {binary_path("aaitictl"), "--config", stack_file()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, env, timeout);
}

ProcessResult NativeStack::run(const std::vector<std::string>& argv, const std::vector<std::pair<std::string, std::string>>& env,
                               std::chrono::milliseconds timeout) const {
    ProcessOptions o;
    o.working_dir = dir().string();
    o.inherit_environment = false;
    o.env = env;
    o.timeout = timeout;
    return run_process(argv, o);
}

}  // namespace aaiti::test
