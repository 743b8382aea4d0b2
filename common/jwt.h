#pragma once
// HS256 JSON Web Tokens: what aaiti-auth signs and what aaiti-gateway (and auth) verify.
//
// Every key has a `kid` derived from its secret (first 16 hex digits of SHA-256), written into each
// token's header. A KeySet holds the current key (signs) and earlier ones (verify only), so rotating
// JWT_SECRET with the old value moved to JWT_PREVIOUS_SECRETS logs nobody out.
//
// Claims the project uses: sub (user id), username, role, jti (token id), sid (session = refresh
// family id: logout revokes it), typ ("access" or "refresh"), iat, exp. Anything else in a token is
// ignored. Verification checks alg == HS256, the kid, the signature (constant time), exp and iat.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aaiti::jwt {

struct SigningKey {
    std::string kid;
    std::string secret;
};

// kid for a secret: lowercase hex of the first 8 bytes of SHA-256(secret).
std::string key_id_for(std::string_view secret);

// The shortest secret a service accepts from its configuration: an HMAC-SHA256 key should carry 256
// bits, and a guessed or brute-forced secret forges every token.
inline constexpr std::size_t k_min_secret_bytes = 32;

// Throws ConfigError naming `key` ("JWT_SECRET", "JWT_PREVIOUS_SECRETS entry 2") and the fix when
// `secret` must not sign or verify tokens: empty, shorter than k_min_secret_bytes, a known placeholder
// (the seed's "your-super-secret-jwt-key-change-in-production", "changeme", "secret", ...), or a
// repeated pattern (fewer than 8 distinct bytes). Never says what the secret is.
void check_secret_strength(std::string_view secret, std::string_view key);

class KeySet {
public:
    // `current` signs; `previous` only verify. Throws ConfigError when current is empty.
    KeySet(std::string current_secret, const std::vector<std::string>& previous_secrets = {});
    // From JWT_SECRET and JWT_PREVIOUS_SECRETS (comma-separated; blanks ignored): the one place both
    // aaiti-auth and aaiti-gateway load their keys, so each secret is checked here
    // (check_secret_strength) and a weak one stops the service at start-up with exit 78.
    static KeySet from_config(std::string_view current_secret, std::string_view previous_secrets_csv);

    const SigningKey& signing_key() const { return keys_.front(); }
    // The key with this kid, or nullptr.
    const SigningKey* find(std::string_view kid) const;
    // Unique to the keys this set was built with (copies share it): verify()'s cache of tokens it
    // has already checked is keyed by it, so a token verified under one set is never taken as
    // verified under another.
    std::uint64_t id() const { return id_; }

private:
    std::vector<SigningKey> keys_;  // keys_[0] is the current one
    std::uint64_t id_;
};

struct Claims {
    std::string sub;
    std::string username;
    std::string role;
    std::string jti;
    std::string sid;
    std::string typ;  // "access" | "refresh"
    std::int64_t iat = 0;
    std::int64_t exp = 0;
};

// header.payload.signature, base64url without padding, header {"alg":"HS256","typ":"JWT","kid":...}.
std::string sign(const Claims& claims, const SigningKey& key);

enum class VerifyStatus { ok, malformed, unsupported_algorithm, unknown_key, bad_signature, expired, not_yet_valid };
std::string_view to_string(VerifyStatus status);

struct VerifyResult {
    VerifyStatus status = VerifyStatus::malformed;
    Claims claims;  // filled when status == ok
    bool ok() const { return status == VerifyStatus::ok; }
};

// `now` in Unix seconds. `leeway_seconds` tolerates clock skew on exp and iat.
// Each thread remembers the last tokens whose signature checked out (by their whole text and the
// key set): a client sends the same access token with every request until it expires, so a repeat
// skips the decoding, the HMAC and the JSON; exp and iat are checked on every call.
VerifyResult verify(std::string_view token, const KeySet& keys, std::int64_t now, std::int64_t leeway_seconds = 30);

// Unix seconds now (system clock).
std::int64_t unix_now();

// base64url without padding (RFC 4648 §5); decode returns nullopt on bad input.
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace aaiti::jwt
