#include "tests/support/redis_sentinel.h"

#include <csignal>
#include <stdexcept>
#include <thread>

#include "tests/support/network.h"

namespace aaiti::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string trim(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
    return text;
}

// --dir: a replica stores the RDB a full sync sends it (after a failover too), even with --save '';
// without it, dump.rdb lands in whatever directory the test runs in.
std::vector<std::string> data_node_argv(int port, const std::string& password, const TempDir& dir) {
    std::vector<std::string> argv{"redis-server", "--port", std::to_string(port), "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--dir", dir.path().string(),
                                  "--dbfilename", "dump-" + std::to_string(port) + ".rdb"};
    if (!password.empty()) {
        for (const char* option : {"--requirepass", "--masterauth"}) {
            argv.push_back(option);
            argv.push_back(password);
        }
    }
    return argv;
}

}  // namespace

RedisSentinelGroup::RedisSentinelGroup(std::string master_name, std::string password, std::string sentinel_password)
    : master_name_(std::move(master_name)),
      password_(std::move(password)),
      sentinel_password_(std::move(sentinel_password)),
      dir_("aaiti-sentinel") {
    data_ports_[0] = free_loopback_port();
    processes_.push_back(std::make_unique<ChildProcess>(data_node_argv(data_ports_[0], password_, dir_)));
    if (!wait_for_loopback_port(data_ports_[0])) throw std::runtime_error("redis master did not start: " + processes_[0]->err());

    data_ports_[1] = free_loopback_port();
    auto replica = data_node_argv(data_ports_[1], password_, dir_);
    replica.insert(replica.end(), {"--replicaof", "127.0.0.1", std::to_string(data_ports_[0])});
    processes_.push_back(std::make_unique<ChildProcess>(replica));
    if (!wait_for_loopback_port(data_ports_[1])) throw std::runtime_error("redis replica did not start: " + processes_[1]->err());

    // The sentinel rewrites its configuration file: it has to be a writable file of its own.
    sentinel_port_ = free_loopback_port();
    std::string conf = "port " + std::to_string(sentinel_port_) + "\nbind 127.0.0.1\ndir " + dir_.path().string() +
                       "\nsentinel monitor " + master_name_ + " 127.0.0.1 " + std::to_string(data_ports_[0]) + " 1\n" +
                       "sentinel down-after-milliseconds " + master_name_ + " 1000\n" + "sentinel failover-timeout " +
                       master_name_ + " 4000\n";
    if (!password_.empty()) conf += "sentinel auth-pass " + master_name_ + " " + password_ + "\n";
    if (!sentinel_password_.empty()) conf += "requirepass " + sentinel_password_ + "\n";  // clients of the sentinel
    const auto conf_path = dir_.write_file("sentinel.conf", conf);
    processes_.push_back(std::make_unique<ChildProcess>(std::vector<std::string>{"redis-server", conf_path.string(), "--sentinel"}));
    if (!wait_for_loopback_port(sentinel_port_)) throw std::runtime_error("redis sentinel did not start: " + processes_[2]->err());

    // Ready when the replica has synced and the sentinel lists it as a healthy replica.
    const auto deadline = Clock::now() + std::chrono::seconds(15);
    while (true) {
        const bool synced = cli(data_ports_[1], {"INFO", "replication"}).find("master_link_status:up") != std::string::npos;
        const std::string replicas = cli(sentinel_port_, {"SENTINEL", "replicas", master_name_});
        const bool known = replicas.find(std::to_string(data_ports_[1])) != std::string::npos &&
                           replicas.find("\nslave\n") != std::string::npos;
        if (synced && known) break;
        if (Clock::now() > deadline)
            throw std::runtime_error("sentinel group not ready within 15 s; the sentinel lists: " + replicas);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

RedisSentinelGroup::~RedisSentinelGroup() {
    // Sentinel first, so it does not react to the data nodes going away.
    for (auto it = processes_.rbegin(); it != processes_.rend(); ++it)
        if (*it) (*it)->stop(std::chrono::milliseconds(2000));
}

std::string RedisSentinelGroup::url(int db, const std::vector<int>& extra_sentinels) const {
    std::string out = "redis-sentinel://";
    if (!password_.empty()) out += ":" + password_ + "@";
    for (int port : extra_sentinels) out += "127.0.0.1:" + std::to_string(port) + ",";
    out += "127.0.0.1:" + std::to_string(sentinel_port_) + "/" + master_name_;
    if (db != 0) out += "/" + std::to_string(db);
    return out;
}

std::string RedisSentinelGroup::cli(int port, const std::vector<std::string>& args) const {
    std::vector<std::string> argv{"redis-cli", "-h", "127.0.0.1", "-p", std::to_string(port)};
    const std::string& password = port == sentinel_port_ ? sentinel_password_ : password_;
    if (!password.empty()) argv.insert(argv.end(), {"--no-auth-warning", "-a", password});
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessOptions options;
    options.timeout = std::chrono::seconds(5);
    return trim(run_process(argv, options).out);
}

int RedisSentinelGroup::sentinel_master_port() const {
    const std::string answer = cli(sentinel_port_, {"SENTINEL", "get-master-addr-by-name", master_name_});
    const auto newline = answer.find('\n');
    if (newline == std::string::npos) return 0;
    try {
        return std::stoi(answer.substr(newline + 1));
    } catch (const std::exception&) {
        return 0;
    }
}

int RedisSentinelGroup::failover(std::chrono::milliseconds timeout) {
    const int before = sentinel_master_port();
    const auto deadline = Clock::now() + timeout;
    std::string answer;
    while ((answer = cli(sentinel_port_, {"SENTINEL", "FAILOVER", master_name_})) != "OK") {
        if (Clock::now() > deadline) throw std::runtime_error("SENTINEL FAILOVER refused: " + answer);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    while (true) {
        const int now = sentinel_master_port();
        if (now != 0 && now != before) return now;
        if (Clock::now() > deadline) throw std::runtime_error("the sentinel still names the old master after the failover");
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

void RedisSentinelGroup::demote_first_master() {
    const std::string answer = cli(data_ports_[0], {"REPLICAOF", "127.0.0.1", std::to_string(data_ports_[1])});
    if (answer.rfind("OK", 0) != 0) throw std::runtime_error("REPLICAOF on the old master: " + answer);
}

void RedisSentinelGroup::kill_first_master() {
    processes_[0]->signal(SIGKILL);
    processes_[0]->wait(std::chrono::seconds(5));
}

}  // namespace aaiti::test
