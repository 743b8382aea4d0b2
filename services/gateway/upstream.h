#pragma once
// One upstream server and what the gateway knows about it: active health (probe results), passive
// ejection (connect errors, 5xx, timeouts) with exponential back-off, and live counters. Shared by
// every I/O thread and the health thread, so everything is an atomic: no lock on the request path.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string_view>

#include "services/gateway/gateway_options.h"

namespace aaiti::metrics {
class Counter;
class Gauge;
class Histogram;
}  // namespace aaiti::metrics

namespace aaiti::gateway {

using Clock = std::chrono::steady_clock;

enum class UpstreamState { up, down, ejected };
std::string_view to_string(UpstreamState state);

struct HealthPolicy {
    int fall = 3;
    int rise = 2;
    int eject_after_errors = 3;
    std::chrono::milliseconds eject_base{1000};
    std::chrono::milliseconds eject_max{30000};
};

// Per-upstream metric children, looked up once (family lookups take a mutex; these are atomics).
struct UpstreamMetrics {
    metrics::Counter* responses[5] = {};  // 1xx..5xx
    metrics::Counter* connect_errors = nullptr;
    metrics::Counter* timeouts = nullptr;
    metrics::Counter* failures = nullptr;  // broken exchanges (reset mid-response, bad HTTP, a streamed body cut short)
    metrics::Counter* ejections = nullptr;
    metrics::Histogram* latency = nullptr;
    metrics::Gauge* up = nullptr;
    metrics::Gauge* active = nullptr;
};

class Upstream {
public:
    Upstream(std::size_t index, UpstreamAddress address, HealthPolicy policy)
        : index_(index), address_(std::move(address)), policy_(policy) {}

    std::size_t index() const noexcept { return index_; }
    const UpstreamAddress& address() const noexcept { return address_; }

    // Up by the health checks and not ejected: may receive requests.
    bool available(Clock::time_point now) const noexcept;
    // Up by the health checks and ejected only for 5xx/timeouts (it answers, if badly): the last
    // resort when a route has nothing available, so an overloaded sole upstream keeps serving
    // what it can instead of the gateway refusing everything (Envoy's "panic" routing).
    bool panic_eligible(Clock::time_point now) const noexcept;
    UpstreamState state(Clock::time_point now) const noexcept;

    // Passive observations from proxied requests.
    // 5xx counts as an error, except a 503 with Retry-After (`shed`): the upstream is alive and
    // refused that one request on purpose (a full queue); ejecting it for that would move its whole
    // load onto the others and turn a burst of one kind of request into an outage of every route.
    // Readiness (the active checks) says when it cannot serve at all.
    void on_response(int status, Clock::time_point now, bool shed = false) noexcept;
    void on_connect_error(Clock::time_point now) noexcept;        // ejects at once
    void on_timeout(Clock::time_point now) noexcept;              // counts as an error

    // Active probe result (health thread only). Returns true when the up/down state changed.
    bool on_probe(bool ok) noexcept;

    // In-flight requests (least-connections and /services).
    std::int64_t active() const noexcept { return active_.load(std::memory_order_relaxed); }
    void begin_request() noexcept;
    void end_request() noexcept;
    std::uint64_t requests() const noexcept { return requests_.load(std::memory_order_relaxed); }
    std::uint64_t errors() const noexcept { return errors_total_.load(std::memory_order_relaxed); }

    UpstreamMetrics metrics;

private:
    void count_error(Clock::time_point now, bool connect_error) noexcept;
    void eject(Clock::time_point now, bool connect_error) noexcept;
    void refresh_up_gauge() noexcept;

    const std::size_t index_;
    const UpstreamAddress address_;
    const HealthPolicy policy_;

    std::atomic<bool> healthy_{true};  // optimistic until the first probes say otherwise
    std::atomic<std::int64_t> ejected_until_{0};  // steady-clock ns; 0: not ejected
    std::atomic<int> consecutive_errors_{0};
    std::atomic<int> ejections_{0};
    std::atomic<bool> ejected_for_connect_{false};  // since the last success: the back-off exponent
    std::atomic<std::int64_t> active_{0};
    std::atomic<std::uint64_t> requests_{0};
    std::atomic<std::uint64_t> errors_total_{0};
    // Probe streaks: written by the health thread only.
    int probe_failures_ = 0;
    int probe_successes_ = 0;
    std::int64_t seen_ejection_ = 0;  // ejected_until_ at the last probe
    int successes_since_ejection_ = 0;
};

}  // namespace aaiti::gateway
