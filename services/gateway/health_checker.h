#pragma once
// Active health checks: one background thread probes GET <upstream>/health of every upstream each
// interval (blocking libcurl calls, off the I/O threads) and feeds Upstream::on_probe.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "services/gateway/upstream.h"

namespace aaiti::gateway {

class HealthChecker {
public:
    HealthChecker(std::vector<Upstream*> upstreams, std::chrono::milliseconds interval, std::chrono::milliseconds timeout);
    ~HealthChecker();  // stop()
    void start();
    void stop();

private:
    void run();
    std::vector<Upstream*> upstreams_;
    std::chrono::milliseconds interval_, timeout_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace aaiti::gateway
