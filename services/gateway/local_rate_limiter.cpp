#include <algorithm>
#include <functional>
#include <iterator>

#include "services/gateway/rate_limiter.h"

namespace aaiti::gateway {

LocalRateLimiter::LocalRateLimiter(std::chrono::milliseconds window, std::int64_t max)
    : window_ms_(std::max<std::int64_t>(1, window.count())), max_(max) {}

RateDecision LocalRateLimiter::check(std::string_view ip_key, std::string_view user_key, std::chrono::system_clock::time_point now) {
    const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    RateDecision d = count(ip_key, now_ms);
    if (!user_key.empty()) {
        RateDecision u = count(user_key, now_ms);
        if (!u.allowed || u.remaining < d.remaining) d = u;
    }
    d.shared = false;
    return d;
}

RateDecision LocalRateLimiter::count(std::string_view key, std::int64_t now_ms) {
    Shard& shard = shards_[std::hash<std::string_view>{}(key) % k_shards];
    const std::int64_t index = now_ms / window_ms_;
    const double elapsed = static_cast<double>(now_ms % window_ms_) / static_cast<double>(window_ms_);
    RateDecision d;
    d.limit = max_;
    std::lock_guard lock(shard.mutex);
    // Once per window, forget keys idle for two windows (bounded memory under many client IPs).
    if (shard.swept_index != index) {
        shard.swept_index = index;
        for (auto it = shard.windows.begin(); it != shard.windows.end();)
            it = it->second.index < index - 1 ? shard.windows.erase(it) : std::next(it);
    }
    Window& w = shard.windows[std::string(key)];
    if (w.index != index) {
        w.previous = w.index == index - 1 ? w.current : 0;
        w.current = 0;
        w.index = index;
    }
    const double used = static_cast<double>(w.previous) * (1.0 - elapsed) + static_cast<double>(w.current);
    d.reset_seconds = (window_ms_ - now_ms % window_ms_ + 999) / 1000;
    if (used + 1.0 > static_cast<double>(max_)) {
        d.allowed = false;
        d.remaining = 0;
        return d;
    }
    ++w.current;
    d.remaining = std::max<std::int64_t>(0, max_ - static_cast<std::int64_t>(used + 1.0));
    return d;
}

}  // namespace aaiti::gateway
