#include "services/auth/lockout.h"

#include <algorithm>

#include "services/auth/store.h"

namespace aaiti::auth {
namespace {

constexpr int k_ip_factor = 4;

Lockout::Attempt refused(const Store::Reservation& r, std::int64_t now) {
    Lockout::Attempt attempt;
    attempt.locked = r.locked_until > now;
    // Not locked: the limit is taken by attempts still being checked; their verdicts come in a moment.
    attempt.retry_after = attempt.locked ? r.locked_until - now : 1;
    return attempt;
}

}  // namespace

Lockout::Lockout(Store& store, int max_failures, std::chrono::seconds duration)
    : store_(store), max_failures_(std::max(1, max_failures)), duration_(duration.count()) {}

Lockout::Attempt Lockout::begin(const std::string& account, const std::string& ip, std::int64_t now) {
    const auto on_account = store_.reserve_attempt("account", account, max_failures_, duration_, now);
    if (!on_account.granted) return refused(on_account, now);
    const auto on_ip = store_.reserve_attempt("ip", ip, max_failures_ * k_ip_factor, duration_, now);
    if (!on_ip.granted) {
        store_.release_attempt("account", account, Store::Release::keep_failures);
        return refused(on_ip, now);
    }
    return {};
}

Lockout::Locked Lockout::failed(const std::string& account, const std::string& ip, std::int64_t now) {
    Locked locked;
    locked.account = store_.record_failure("account", account, max_failures_, duration_, now) != 0;
    locked.ip = store_.record_failure("ip", ip, max_failures_ * k_ip_factor, duration_, now) != 0;
    return locked;
}

void Lockout::succeeded(const std::string& account, const std::string& ip) {
    store_.release_attempt("account", account, Store::Release::clear_failures);
    store_.release_attempt("ip", ip, Store::Release::keep_failures);
}

}  // namespace aaiti::auth
