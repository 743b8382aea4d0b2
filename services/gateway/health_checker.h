#pragma once
// Active health checks: one background thread probes GET <upstream><path> (readiness, /ready by
// default) of every upstream each interval (blocking libcurl calls, off the I/O threads) and feeds
// Upstream::on_probe. An upstream that answers 404 there has no such endpoint (a service that only
// serves /health): it is probed on /health from then on instead of being taken for down.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "services/gateway/upstream.h"

namespace aaiti::gateway {

class HealthChecker {
public:
    HealthChecker(std::vector<Upstream*> upstreams, std::string path, std::chrono::milliseconds interval,
                  std::chrono::milliseconds timeout);
    ~HealthChecker();  // stop()
    void start();
    void stop();

private:
    void run();
    std::vector<Upstream*> upstreams_;
    std::string path_;
    std::vector<bool> liveness_only_;  // per upstream: answered 404 on path_, probed on /health (health thread only)
    std::chrono::milliseconds interval_, timeout_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace aaiti::gateway
