#pragma once
// A Redis master, one replica of it and one Sentinel watching them (quorum 1, short failure
// detection), started on free 127.0.0.1 ports for one test, in memory (--save '' --appendonly no).
// Every process is killed when the object goes away, also when the test fails. Commands go through
// redis-cli, so this library still needs nothing but POSIX.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace aaiti::test {

class RedisSentinelGroup {
public:
    // `password`: requirepass on both data nodes (and what the replica and the sentinel use to reach
    // them). `sentinel_password`: requirepass on the sentinel itself (empty: it asks for none; the
    // same as `password`: the Bitnami chart's default). Returns once the sentinel knows the replica,
    // so a failover can start at once.
    explicit RedisSentinelGroup(std::string master_name = "aaiti-test", std::string password = "",
                                std::string sentinel_password = "");
    ~RedisSentinelGroup();
    RedisSentinelGroup(const RedisSentinelGroup&) = delete;
    RedisSentinelGroup& operator=(const RedisSentinelGroup&) = delete;

    const std::string& master_name() const { return master_name_; }
    int first_master_port() const { return data_ports_[0]; }
    int first_replica_port() const { return data_ports_[1]; }
    int sentinel_port() const { return sentinel_port_; }
    // redis-sentinel://[:password@]127.0.0.1:<sentinel>/<master_name>[/<db>]; `extra_sentinels` are put
    // before the real one (e.g. a dead port, to show the next one is asked). Never with
    // ?sentinel_password=: a test adds it when it wants it.
    std::string url(int db = 0, const std::vector<int>& extra_sentinels = {}) const;

    // redis-cli against 127.0.0.1:`port` (with the data nodes' or the sentinel's password): its
    // stdout, trimmed.
    std::string cli(int port, const std::vector<std::string>& args) const;
    // The port the sentinel names as master now, 0 if it names none.
    int sentinel_master_port() const;
    // SENTINEL FAILOVER (retried while the sentinel has no good replica yet), then waits until the
    // sentinel names the replica. Returns the new master's port.
    int failover(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // What the sentinel does to the old master some seconds after a failover, now: REPLICAOF the new
    // master. Clients still connected to it then get READONLY replies to writes.
    void demote_first_master();
    // SIGKILL the first master (the sentinel notices after down-after-milliseconds, 1 s, and fails over).
    void kill_first_master();

private:
    std::string master_name_;
    std::string password_;
    std::string sentinel_password_;
    TempDir dir_;
    int data_ports_[2] = {0, 0};
    int sentinel_port_ = 0;
    std::vector<std::unique_ptr<ChildProcess>> processes_;  // master, replica, sentinel
};

}  // namespace aaiti::test
