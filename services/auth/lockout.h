#pragma once
// The password-attempt lockout per account and per client IP, kept in the store so every auth instance
// sees the same counters. AUTH_LOCKOUT_MAX_FAILURES failed attempts on one account (4x that from one
// IP) within AUTH_LOCKOUT_DURATION lock it for AUTH_LOCKOUT_DURATION; every password check (login,
// change-password) is then answered 429 + Retry-After before the password is looked at.
//
// An attempt is reserved before its password is checked: failures plus attempts still being checked
// never exceed the limit, so N concurrent wrong guesses get at most AUTH_LOCKOUT_MAX_FAILURES verdicts
// and the rest 429 (Retry-After: 1 while the verdicts are pending), whatever the number of workers or
// instances. A right password gives its attempt back and clears the account's failures.
#include <chrono>
#include <cstdint>
#include <string>

namespace aaiti::auth {

class Store;

class Lockout {
public:
    Lockout(Store& store, int max_failures, std::chrono::seconds duration);

    struct Attempt {
        std::int64_t retry_after = 0;  // > 0: refused; seconds to wait
        bool locked = false;           // refused because the account or the IP is locked (else: attempts in flight)
        bool allowed() const { return retry_after == 0; }
    };
    // Reserves an attempt on the account, then on the IP (refused by the IP, the account's reservation
    // is given back). An allowed attempt must end in failed() or succeeded().
    Attempt begin(const std::string& account, const std::string& ip, std::int64_t now);

    struct Locked {
        bool account = false;  // this failure locked the account
        bool ip = false;       // ... or the IP
    };
    Locked failed(const std::string& account, const std::string& ip, std::int64_t now);
    // The password was right: clears the account's failures and gives the IP its attempt back (not more:
    // one good password must not reset an address that is guessing at other accounts).
    void succeeded(const std::string& account, const std::string& ip);

private:
    Store& store_;
    int max_failures_;
    std::int64_t duration_;
};

}  // namespace aaiti::auth
