#include "services/auth/password.h"

#include <crypt.h>
#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "common/error.h"

namespace aaiti::auth {
namespace {

void ensure_sodium() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

// argon2id is memory-hard by design (64 MiB each at the interactive cost, 1 GiB at sensitive): more
// hashes at once than there are cores only multiplies memory, not throughput. One gate for the
// process bounds both; bcrypt (CPU only) does not need it.
class HashingGate {
public:
    HashingGate() : permits_(static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))) {}
    void acquire() {
        std::unique_lock lock(mutex_);
        free_.wait(lock, [&] { return permits_ > 0; });
        --permits_;
    }
    void release() {
        {
            const std::lock_guard lock(mutex_);
            ++permits_;
        }
        free_.notify_one();
    }

private:
    std::mutex mutex_;
    std::condition_variable free_;
    int permits_;
};

HashingGate& hashing_gate() {
    static HashingGate gate;
    return gate;
}

struct GatePass {
    GatePass() { hashing_gate().acquire(); }
    ~GatePass() { hashing_gate().release(); }
    GatePass(const GatePass&) = delete;
    GatePass& operator=(const GatePass&) = delete;
};

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

bool verify_argon2(std::string_view password, std::string_view stored) {
    const std::string hash(stored);  // crypto_pwhash_str_verify wants a NUL-terminated string
    const GatePass pass;
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

bool verify_bcrypt(std::string_view password, std::string_view stored) {
    // bcrypt works on C strings: a password with a NUL byte cannot match what the Node app stored.
    if (has_nul(password) || has_nul(stored)) return false;
    // struct crypt_data is 32 KiB: on the heap, zeroed as libxcrypt asks.
    auto data = std::make_unique<crypt_data>();
    const std::string pw(password), setting(stored);
    const char* out = crypt_rn(pw.c_str(), setting.c_str(), data.get(), sizeof(crypt_data));
    if (!out || out[0] == '*') return false;
    const std::string_view result(out);
    return result.size() == stored.size() && sodium_memcmp(result.data(), stored.data(), stored.size()) == 0;
}

}  // namespace

PasswordCost parse_password_cost(std::string_view name) {
    if (name == "min") return PasswordCost::min;
    if (name == "interactive") return PasswordCost::interactive;
    if (name == "moderate") return PasswordCost::moderate;
    if (name == "sensitive") return PasswordCost::sensitive;
    throw ConfigError("AUTH_PASSWORD_COST: \"" + std::string(name) +
                      "\" is not a cost; expected min, interactive, moderate or sensitive");
}

PasswordHasher::PasswordHasher(PasswordCost cost) {
    ensure_sodium();
    switch (cost) {
        case PasswordCost::min:  // tests and benchmarks of everything but hashing
            opslimit_ = crypto_pwhash_OPSLIMIT_MIN;
            memlimit_ = crypto_pwhash_MEMLIMIT_MIN;
            break;
        case PasswordCost::interactive:
            opslimit_ = crypto_pwhash_OPSLIMIT_INTERACTIVE;
            memlimit_ = crypto_pwhash_MEMLIMIT_INTERACTIVE;
            break;
        case PasswordCost::moderate:
            opslimit_ = crypto_pwhash_OPSLIMIT_MODERATE;
            memlimit_ = crypto_pwhash_MEMLIMIT_MODERATE;
            break;
        case PasswordCost::sensitive:
            opslimit_ = crypto_pwhash_OPSLIMIT_SENSITIVE;
            memlimit_ = crypto_pwhash_MEMLIMIT_SENSITIVE;
            break;
    }
    unsigned char random[16];
    randombytes_buf(random, sizeof random);
    dummy_hash_ = hash(std::string_view(reinterpret_cast<const char*>(random), sizeof random));
}

std::string PasswordHasher::hash(std::string_view password) const {
    char out[crypto_pwhash_STRBYTES];
    const GatePass pass;
    if (crypto_pwhash_str_alg(out, password.data(), password.size(), opslimit_, memlimit_,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        throw std::runtime_error("argon2id hashing failed (out of memory?)");
    return out;
}

PasswordCheck PasswordHasher::verify(std::string_view password, std::string_view stored) const {
    PasswordCheck check;
    if (is_bcrypt_hash(stored)) {
        check.ok = verify_bcrypt(password, stored);
        check.needs_rehash = check.ok;
    } else if (stored.rfind("$argon2id$", 0) == 0) {
        check.ok = verify_argon2(password, stored);
        if (check.ok) {
            const std::string hash(stored);
            check.needs_rehash = crypto_pwhash_str_needs_rehash(hash.c_str(), opslimit_, memlimit_) != 0;
        }
    }
    return check;
}

void PasswordHasher::verify_dummy(std::string_view password) const {
    [[maybe_unused]] const bool ignored = verify_argon2(password, dummy_hash_);
}

bool is_bcrypt_hash(std::string_view h) {
    return h.size() > 7 && (h.rfind("$2a$", 0) == 0 || h.rfind("$2b$", 0) == 0 || h.rfind("$2y$", 0) == 0);
}

std::optional<std::string> password_policy_violation(std::string_view password, std::string_view username) {
    if (password.size() < 8) return "password must be at least 8 characters long";
    if (password.size() > 128) return "password must be at most 128 characters long";
    bool letter = false, digit = false;
    for (const char c : password) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) return "password must not contain control characters";
        if (std::isdigit(u)) digit = true;
        else if (std::isalpha(u) || u >= 0x80) letter = true;  // non-ASCII counts as a letter
    }
    if (!letter || !digit) return "password must contain at least one letter and one digit";
    if (!username.empty() && password.size() == username.size()) {
        bool same = true;
        for (std::size_t i = 0; i < password.size() && same; ++i)
            same = std::tolower(static_cast<unsigned char>(password[i])) ==
                   std::tolower(static_cast<unsigned char>(username[i]));
        if (same) return "password must not be the username";
    }
    return std::nullopt;
}

}  // namespace aaiti::auth
