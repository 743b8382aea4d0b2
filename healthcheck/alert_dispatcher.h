#pragma once
// Delivers alerts on its own thread, so a slow or dead receiver never holds up probing. Each
// (alert, channel) delivery is tried up to `attempts` times with doubling back-off; a delivery
// waiting for its retry does not hold up the others. Every failed attempt is logged (warn) and
// counted; a delivery that runs out of attempts is logged and counted as failed.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "healthcheck/alert_channels.h"

namespace aaiti::metrics {
class Registry;
}

namespace aaiti::health {

struct DispatchOptions {
    int attempts = 4;
    std::chrono::milliseconds first_backoff{500};  // then 1 s, 2 s, ...
    std::chrono::milliseconds max_backoff{30000};
    std::size_t queue_limit = 1000;  // beyond it the oldest waiting delivery is dropped (and counted failed)
};

struct DeliveryStats {
    std::uint64_t delivered = 0;
    std::uint64_t failed = 0;           // gave up (or dropped)
    std::uint64_t failed_attempts = 0;  // every attempt that failed, retried or not
};

class AlertDispatcher {
public:
    // `registry` (optional) gets aaiti_alert_deliveries_total{channel,result} and
    // aaiti_alert_delivery_failures_total{channel}.
    AlertDispatcher(std::vector<std::unique_ptr<AlertChannel>> channels, DispatchOptions options,
                    metrics::Registry* registry = nullptr);
    ~AlertDispatcher();  // stops the thread; what is still queued is dropped with a warning
    AlertDispatcher(const AlertDispatcher&) = delete;
    AlertDispatcher& operator=(const AlertDispatcher&) = delete;

    bool has_channels() const { return !channels_.empty(); }
    // Queues the event for every channel; returns at once.
    void submit(const AlertEvent& event);
    // Waits until nothing is queued or being delivered, or `timeout` passed. True when all is done.
    bool drain(std::chrono::milliseconds timeout);
    DeliveryStats stats() const;

private:
    struct Delivery {
        AlertEvent event;
        std::size_t channel = 0;
        int attempt = 0;
        std::chrono::steady_clock::time_point not_before;
    };
    void run();
    void record(const std::string& channel, bool delivered, bool gave_up);

    std::vector<std::unique_ptr<AlertChannel>> channels_;
    DispatchOptions options_;
    metrics::Registry* registry_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Delivery> queue_;
    bool busy_ = false;
    bool stopping_ = false;
    DeliveryStats stats_;
    std::thread thread_;
};

}  // namespace aaiti::health
