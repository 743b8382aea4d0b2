#pragma once
// The password-attempt lockout per account and per client IP, kept in the store so every auth instance
// sees the same counters. AUTH_LOCKOUT_MAX_FAILURES attempts that were not given back on one account
// (4x that from one IP) within AUTH_LOCKOUT_DURATION lock it for AUTH_LOCKOUT_DURATION; every password
// check (login, change-password) is then answered 429 + Retry-After before the password is looked at.
//
// An attempt is reserved before its password is checked and counts as a failure from then on; a right
// password gives it back. So N concurrent wrong guesses get at most AUTH_LOCKOUT_MAX_FAILURES verdicts,
// the rest 429, whatever the number of workers or instances.
#include <chrono>
#include <cstdint>
#include <string>

namespace aaiti::auth {

class Store;

class Lockout {
public:
    Lockout(Store& store, int max_failures, std::chrono::seconds duration);

    struct Attempt {
        std::int64_t retry_after = 0;  // > 0: refused, the account or the IP is locked for that many seconds
        bool locks_account = false;    // allowed, and its failure locks the account (it took the last slot)
        bool locks_ip = false;         // ... or the IP
        bool allowed() const { return retry_after == 0; }
    };
    // Reserves an attempt on the account and on the IP (the account first; refused by the IP, the
    // account's reservation is given back). A failure needs nothing more: it was counted here.
    Attempt begin(const std::string& account, const std::string& ip, std::int64_t now);
    // The password was right: clears the account's counter and gives the IP its attempt back (not more:
    // one good password must not reset an address that is guessing at other accounts).
    void succeeded(const std::string& account, const std::string& ip);

private:
    Store& store_;
    int max_failures_;
    std::int64_t duration_;
};

}  // namespace aaiti::auth
