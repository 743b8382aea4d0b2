#include "services/gateway/upstream.h"

#include <algorithm>

#include "common/logging.h"
#include "common/metrics.h"

namespace aaiti::gateway {

namespace {
std::int64_t ns(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
}  // namespace

std::string_view to_string(UpstreamState state) {
    switch (state) {
        case UpstreamState::up: return "up";
        case UpstreamState::down: return "down";
        case UpstreamState::ejected: return "ejected";
    }
    return "unknown";
}

bool Upstream::available(Clock::time_point now) const noexcept { return state(now) == UpstreamState::up; }

bool Upstream::panic_eligible(Clock::time_point now) const noexcept {
    return state(now) == UpstreamState::ejected && !ejected_for_connect_.load(std::memory_order_relaxed);
}

UpstreamState Upstream::state(Clock::time_point now) const noexcept {
    if (!healthy_.load(std::memory_order_relaxed)) return UpstreamState::down;
    if (ns(now) < ejected_until_.load(std::memory_order_relaxed)) return UpstreamState::ejected;
    return UpstreamState::up;
}

void Upstream::begin_request() noexcept {
    active_.fetch_add(1, std::memory_order_relaxed);
    requests_.fetch_add(1, std::memory_order_relaxed);
    if (metrics.active) metrics.active->inc();
}

void Upstream::end_request() noexcept {
    active_.fetch_sub(1, std::memory_order_relaxed);
    if (metrics.active) metrics.active->dec();
}

void Upstream::on_response(int status, Clock::time_point now, bool shed) noexcept {
    if (status >= 100 && status <= 599 && metrics.responses[status / 100 - 1]) metrics.responses[status / 100 - 1]->inc();
    if (status == 503 && shed) return;  // neither an error nor a success: the streak stays as it was
    if (status >= 500) {
        count_error(now, false);
        return;
    }
    // A success ends the error streak and the back-off (only write when something changes: these
    // cache lines are shared by every I/O thread).
    if (consecutive_errors_.load(std::memory_order_relaxed) != 0) consecutive_errors_.store(0, std::memory_order_relaxed);
    if (ejections_.load(std::memory_order_relaxed) != 0) ejections_.store(0, std::memory_order_relaxed);
}

void Upstream::on_connect_error(Clock::time_point now) noexcept {
    if (metrics.connect_errors) metrics.connect_errors->inc();
    count_error(now, true);
}

void Upstream::on_timeout(Clock::time_point now) noexcept {
    if (metrics.timeouts) metrics.timeouts->inc();
    count_error(now, false);
}

void Upstream::count_error(Clock::time_point now, bool connect_error) noexcept {
    errors_total_.fetch_add(1, std::memory_order_relaxed);
    const int streak = consecutive_errors_.fetch_add(1, std::memory_order_relaxed) + 1;
    if (connect_error || streak >= policy_.eject_after_errors) eject(now, connect_error);
}

void Upstream::eject(Clock::time_point now, bool connect_error) noexcept {
    // Several threads may see the same failure burst: only the first one past the current ejection
    // extends it, so one outage is one ejection, not one per in-flight request.
    std::int64_t until = ejected_until_.load(std::memory_order_relaxed);
    if (ns(now) < until) return;
    const int n = std::min(ejections_.fetch_add(1, std::memory_order_relaxed), 16);
    auto backoff = std::min<std::chrono::milliseconds>(policy_.eject_base * (1LL << n), policy_.eject_max);
    const std::int64_t next = ns(now + backoff);
    if (!ejected_until_.compare_exchange_strong(until, next, std::memory_order_relaxed)) return;
    consecutive_errors_.store(0, std::memory_order_relaxed);
    ejected_for_connect_.store(connect_error, std::memory_order_relaxed);
    if (metrics.ejections) metrics.ejections->inc();
    refresh_up_gauge();
    logging::warn("gateway: upstream ejected", {{"upstream", address_.url}, {"backoff_ms", static_cast<std::int64_t>(backoff.count())}});
}

bool Upstream::on_probe(bool ok) noexcept {
    bool changed = false;
    if (ok) {
        probe_failures_ = 0;
        if (++probe_successes_ >= policy_.rise) {
            if (!healthy_.exchange(true)) {
                changed = true;
                logging::info("gateway: upstream up", {{"upstream", address_.url}});
            }
        }
        // An ejection for connect errors ends early once `rise` probes in a row succeeded after it
        // began: the upstream accepts connections again, and a back-off that grew while it was away
        // should not keep it idle. (An ejection for 5xx runs its course: /health may pass while the
        // routes fail.)
        const std::int64_t until = ejected_until_.load(std::memory_order_relaxed);
        if (until != seen_ejection_) {
            seen_ejection_ = until;
            successes_since_ejection_ = 0;
        }
        if (until != 0 && ++successes_since_ejection_ >= policy_.rise && ejected_for_connect_.load(std::memory_order_relaxed)) {
            std::int64_t expected = until;
            if (ejected_until_.compare_exchange_strong(expected, 0, std::memory_order_relaxed)) {
                ejections_.store(0, std::memory_order_relaxed);
                consecutive_errors_.store(0, std::memory_order_relaxed);
                logging::info("gateway: upstream restored by health checks", {{"upstream", address_.url}});
            }
        }
    } else {
        probe_successes_ = 0;
        if (++probe_failures_ >= policy_.fall && healthy_.exchange(false)) {
            changed = true;
            logging::warn("gateway: upstream down", {{"upstream", address_.url}, {"failed_probes", probe_failures_}});
        }
    }
    refresh_up_gauge();
    return changed;
}

void Upstream::refresh_up_gauge() noexcept {
    if (metrics.up) metrics.up->set(available(Clock::now()) ? 1.0 : 0.0);
}

}  // namespace aaiti::gateway
