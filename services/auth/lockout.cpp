#include "services/auth/lockout.h"

#include <algorithm>

#include "services/auth/store.h"

namespace aaiti::auth {
namespace {
constexpr int k_ip_factor = 4;
}

Lockout::Lockout(Store& store, int max_failures, std::chrono::seconds duration)
    : store_(store), max_failures_(std::max(1, max_failures)), duration_(duration.count()) {}

std::int64_t Lockout::retry_after(const std::string& account, const std::string& ip, std::int64_t now) {
    const std::int64_t until = std::max(store_.locked_until("account", account), store_.locked_until("ip", ip));
    return until > now ? until - now : 0;
}

Lockout::Locked Lockout::record_failure(const std::string& account, const std::string& ip, std::int64_t now) {
    Locked locked;
    locked.account = store_.record_failure("account", account, max_failures_, duration_, now) != 0;
    locked.ip = store_.record_failure("ip", ip, max_failures_ * k_ip_factor, duration_, now) != 0;
    return locked;
}

void Lockout::record_success(const std::string& account) { store_.clear_failures("account", account); }

}  // namespace aaiti::auth
