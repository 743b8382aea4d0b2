#pragma once
// Failed-login lockout per account and per client IP, kept in the store so every auth instance sees
// the same counters. AUTH_LOCKOUT_MAX_FAILURES failures on one account (4x that from one IP) within
// AUTH_LOCKOUT_DURATION lock it for AUTH_LOCKOUT_DURATION; logins are then answered 429 + Retry-After
// before the password is even checked.
#include <chrono>
#include <cstdint>
#include <string>

namespace aaiti::auth {

class Store;

class Lockout {
public:
    Lockout(Store& store, int max_failures, std::chrono::seconds duration);

    // Seconds until both keys are free again; 0 when the login may proceed.
    std::int64_t retry_after(const std::string& account, const std::string& ip, std::int64_t now);

    struct Locked {
        bool account = false;  // this failure locked the account
        bool ip = false;       // ... or the IP
    };
    Locked record_failure(const std::string& account, const std::string& ip, std::int64_t now);
    // A successful login clears the account's counter (not the IP's: one good password must not
    // reset an address that is guessing at other accounts).
    void record_success(const std::string& account);

private:
    Store& store_;
    int max_failures_;
    std::int64_t duration_;
};

}  // namespace aaiti::auth
