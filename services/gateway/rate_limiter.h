#pragma once
// Rate limiting per client IP and per user (sliding window, RATE_LIMIT_MAX per RATE_LIMIT_WINDOW)
// folded with the session-revocation check into one decision per request.
//
// RedisRateLimiter (redis_rate_limiter.cpp) shares the counts across gateway instances with one
// EVALSHA per request on a non-blocking connection per I/O thread; when Redis is unreachable it
// answers from a LocalRateLimiter (this process only) until it reconnects.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace aaiti::metrics {
class Registry;
}

namespace aaiti::gateway {

struct RateDecision {
    bool allowed = true;
    bool revoked = false;  // the token's session is revoked (aaiti:revoked:sid:<sid> exists)
    std::int64_t limit = 0;
    std::int64_t remaining = 0;
    std::int64_t reset_seconds = 0;  // until the window frees capacity
    bool shared = true;              // false: decided by the local fallback limiter
};

struct RateQuery {
    std::string_view client_ip;
    std::string_view user_id;  // empty for anonymous requests
    std::string_view session_id;  // empty: no revocation check
};

class RateLimiter {
public:
    virtual ~RateLimiter() = default;
    // Call on a kit I/O thread; `done` runs once, on the same thread.
    virtual void check(const RateQuery& query, std::function<void(RateDecision)> done) = 0;
};

// In-process sliding-window counter (the previous window's count weighted by how much of it still
// overlaps, plus the current one): the fallback when Redis is down. Sharded by key behind small
// mutexes; it only carries load while Redis is away. Knows nothing of revocations.
class LocalRateLimiter {
public:
    LocalRateLimiter(std::chrono::milliseconds window, std::int64_t max);
    // Counts a request for each non-empty key; the most constrained decision wins.
    RateDecision check(std::string_view ip_key, std::string_view user_key, std::chrono::system_clock::time_point now);

private:
    struct Window {
        std::int64_t index = -1;  // now / window
        std::int64_t current = 0;
        std::int64_t previous = 0;
    };
    RateDecision count(std::string_view key, std::int64_t now_ms);
    std::int64_t window_ms_;
    std::int64_t max_;
    static constexpr std::size_t k_shards = 16;
    struct Shard {
        std::mutex mutex;
        std::unordered_map<std::string, Window> windows;
        std::int64_t swept_index = -1;
    };
    Shard shards_[k_shards];
};

// The limiter the gateway uses: Redis when `redis_url` is set, else LocalRateLimiter alone.
std::unique_ptr<RateLimiter> make_rate_limiter(const std::string& redis_url, std::chrono::milliseconds window, std::int64_t max,
                                               unsigned io_threads, metrics::Registry& registry);

}  // namespace aaiti::gateway
