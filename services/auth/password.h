#pragma once
// Password hashing and the password policy.
//
// New hashes are argon2id (libsodium) at the configured cost. Accounts migrated from the Node service
// carry bcrypt hashes ($2a$/$2b$/$2y$): they verify through libxcrypt's crypt_rn and report
// needs_rehash, so the caller stores an argon2id hash after the first successful login.
// Hashing is slow on purpose: call these from the kit's worker pool, never from an I/O thread.
#include <optional>
#include <string>
#include <string_view>

namespace aaiti::auth {

enum class PasswordCost { min, interactive, moderate, sensitive };

// "min|interactive|moderate|sensitive"; throws ConfigError naming AUTH_PASSWORD_COST and the choices.
PasswordCost parse_password_cost(std::string_view name);

struct PasswordCheck {
    bool ok = false;
    bool needs_rehash = false;  // ok, but not argon2id at the current cost (bcrypt, or an older cost)
};

class PasswordHasher {
public:
    // Computes one dummy hash up front, used to spend the same time on logins for unknown users.
    explicit PasswordHasher(PasswordCost cost);

    // "$argon2id$v=19$m=...". Throws std::runtime_error if libsodium runs out of memory.
    std::string hash(std::string_view password) const;
    // Any supported format; an unknown or corrupt hash is simply "not ok".
    PasswordCheck verify(std::string_view password, std::string_view stored_hash) const;
    // Verifies against the dummy hash and discards the result: no timing oracle on unknown users.
    void verify_dummy(std::string_view password) const;

private:
    unsigned long long opslimit_;
    std::size_t memlimit_;
    std::string dummy_hash_;
};

// True for "$2a$", "$2b$", "$2y$" hashes.
bool is_bcrypt_hash(std::string_view stored_hash);

// nullopt when `password` is acceptable; else the message for a 400 (what is wrong and what is needed).
// Policy: 8 to 128 bytes, at least one letter and one digit, no control characters, not the username.
std::optional<std::string> password_policy_violation(std::string_view password, std::string_view username);

}  // namespace aaiti::auth
