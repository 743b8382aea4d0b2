#include "services/auth/lockout.h"

#include <algorithm>

#include "services/auth/store.h"

namespace aaiti::auth {
namespace {
constexpr int k_ip_factor = 4;
}

Lockout::Lockout(Store& store, int max_failures, std::chrono::seconds duration)
    : store_(store), max_failures_(std::max(1, max_failures)), duration_(duration.count()) {}

Lockout::Attempt Lockout::begin(const std::string& account, const std::string& ip, std::int64_t now) {
    Attempt attempt;
    const auto on_account = store_.reserve_attempt("account", account, max_failures_, duration_, now);
    if (!on_account.granted) {
        attempt.retry_after = std::max<std::int64_t>(1, on_account.locked_until - now);
        return attempt;
    }
    const auto on_ip = store_.reserve_attempt("ip", ip, max_failures_ * k_ip_factor, duration_, now);
    if (!on_ip.granted) {
        store_.release_attempt("account", account, max_failures_);
        attempt.retry_after = std::max<std::int64_t>(1, on_ip.locked_until - now);
        return attempt;
    }
    attempt.locks_account = on_account.locked_until != 0;
    attempt.locks_ip = on_ip.locked_until != 0;
    return attempt;
}

void Lockout::succeeded(const std::string& account, const std::string& ip) {
    store_.clear_failures("account", account);
    store_.release_attempt("ip", ip, max_failures_ * k_ip_factor);
}

}  // namespace aaiti::auth
