#include "healthcheck/alert_dispatcher.h"

#include <algorithm>

#include "common/logging.h"
#include "common/metrics.h"
#include "common/secrets.h"

namespace aaiti::health {

AlertDispatcher::AlertDispatcher(std::vector<std::unique_ptr<AlertChannel>> channels, DispatchOptions options,
                                 metrics::Registry* registry)
    : channels_(std::move(channels)), options_(options), registry_(registry) {
    if (!channels_.empty()) thread_ = std::thread([this] { run(); });
}

AlertDispatcher::~AlertDispatcher() {
    std::size_t dropped = 0;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        dropped = queue_.size();
    }
    changed_.notify_all();
    if (thread_.joinable()) thread_.join();
    if (dropped > 0) logging::warn("alerts not delivered before exit", {{"count", static_cast<std::uint64_t>(dropped)}});
}

void AlertDispatcher::submit(const AlertEvent& event) {
    if (channels_.empty()) return;
    {
        std::lock_guard lock(mutex_);
        for (std::size_t c = 0; c < channels_.size(); ++c) {
            if (queue_.size() >= options_.queue_limit) {
                logging::warn("alert queue full; dropping the oldest delivery",
                              {{"channel", channels_[queue_.front().channel]->name()}, {"target", queue_.front().event.target}});
                ++stats_.failed;
                queue_.pop_front();
            }
            queue_.push_back({event, c, 0, std::chrono::steady_clock::now()});
        }
    }
    changed_.notify_all();
}

bool AlertDispatcher::drain(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [this] { return queue_.empty() && !busy_; });
}

DeliveryStats AlertDispatcher::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

void AlertDispatcher::record(const std::string& channel, bool delivered, bool gave_up) {
    if (registry_ == nullptr) return;
    if (!delivered)
        registry_->counter("aaiti_alert_delivery_failures_total", "Failed alert delivery attempts.", {"channel"}).with({channel}).inc();
    if (delivered || gave_up)
        registry_->counter("aaiti_alert_deliveries_total", "Alert deliveries by final result.", {"channel", "result"})
            .with({channel, delivered ? "delivered" : "failed"})
            .inc();
}

void AlertDispatcher::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        if (stopping_) return;
        if (queue_.empty()) {
            changed_.wait(lock);
            continue;
        }
        // The delivery due first; the others may be waiting for their back-off.
        auto due = std::min_element(queue_.begin(), queue_.end(),
                                    [](const Delivery& a, const Delivery& b) { return a.not_before < b.not_before; });
        if (due->not_before > std::chrono::steady_clock::now()) {
            changed_.wait_until(lock, due->not_before);
            continue;
        }
        Delivery delivery = *due;
        queue_.erase(due);
        busy_ = true;
        lock.unlock();

        AlertChannel& channel = *channels_[delivery.channel];
        std::string error;
        try {
            channel.deliver(delivery.event);
        } catch (const std::exception& e) {
            error = mask_secrets_in_text(e.what());
            if (error.empty()) error = "unknown error";
        }
        ++delivery.attempt;
        const bool delivered = error.empty();
        const bool gave_up = !delivered && delivery.attempt >= options_.attempts;
        if (delivered) {
            logging::info("alert delivered", {{"channel", channel.name()}, {"target", delivery.event.target},
                                              {"event", std::string(to_string(delivery.event.kind))}});
        } else {
            logging::warn(gave_up ? "alert delivery failed; giving up" : "alert delivery failed; will retry",
                          {{"channel", channel.name()}, {"target", delivery.event.target},
                           {"event", std::string(to_string(delivery.event.kind))}, {"attempt", delivery.attempt},
                           {"error", error}});
        }
        record(channel.name(), delivered, gave_up);

        lock.lock();
        busy_ = false;
        if (delivered) ++stats_.delivered;
        else ++stats_.failed_attempts;
        if (gave_up) ++stats_.failed;
        if (!delivered && !gave_up) {
            auto backoff = options_.first_backoff * (1LL << std::min(delivery.attempt - 1, 20));
            delivery.not_before = std::chrono::steady_clock::now() + std::min<std::chrono::milliseconds>(backoff, options_.max_backoff);
            queue_.push_back(delivery);
        }
        changed_.notify_all();
    }
}

}  // namespace aaiti::health
