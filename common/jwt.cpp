#include "common/jwt.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>

#include "common/error.h"

namespace aaiti::jwt {
namespace {

constexpr std::string_view k_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// base64url digit values by character; -1 for anything else.
constexpr std::array<signed char, 256> k_base64url_values = [] {
    std::array<signed char, 256> t{};
    t.fill(-1);
    for (std::size_t i = 0; i < k_alphabet.size(); ++i) t[static_cast<unsigned char>(k_alphabet[i])] = static_cast<signed char>(i);
    return t;
}();

using Digest = std::array<unsigned char, 32>;

// HMAC-SHA256 keyed once per thread and key: OpenSSL 3's one-shot HMAC() fetches the algorithm and
// derives the key's inner and outer pads on every call, which was the largest single cost of a
// request verified at the gateway (callgrind). A context initialised with the key is re-armed for
// each message with a NULL key, which restores the derived state.
class HmacContexts {
public:
    ~HmacContexts() {
        for (auto& entry : contexts_) EVP_MAC_CTX_free(entry.context);
        EVP_MAC_free(mac_);
    }

    Digest sign(std::string_view key, std::string_view data) {
        EVP_MAC_CTX* ctx = context_for(key);
        Digest out{};
        std::size_t length = 0;
        if (!ctx || EVP_MAC_init(ctx, nullptr, 0, nullptr) != 1 ||
            EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
            EVP_MAC_final(ctx, out.data(), &length, out.size()) != 1 || length != out.size())
            throw Error("HMAC-SHA256 failed in OpenSSL", exit_code::k_failed);
        return out;
    }

private:
    struct Entry {
        std::string key;
        EVP_MAC_CTX* context;
    };
    // A few keys at most (the current one and those still verifying); beyond, the oldest is dropped.
    static constexpr std::size_t k_max_keys = 8;

    EVP_MAC_CTX* context_for(std::string_view key) {
        for (auto& entry : contexts_)
            if (entry.key.size() == key.size() && CRYPTO_memcmp(entry.key.data(), key.data(), key.size()) == 0) return entry.context;
        if (!mac_) mac_ = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
        EVP_MAC_CTX* ctx = mac_ ? EVP_MAC_CTX_new(mac_) : nullptr;
        if (!ctx) return nullptr;
        char digest[] = "SHA256";
        const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0), OSSL_PARAM_construct_end()};
        if (EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params) != 1) {
            EVP_MAC_CTX_free(ctx);
            return nullptr;
        }
        if (contexts_.size() == k_max_keys) {
            EVP_MAC_CTX_free(contexts_.front().context);
            contexts_.erase(contexts_.begin());
        }
        contexts_.push_back({std::string(key), ctx});
        return ctx;
    }

    EVP_MAC* mac_ = nullptr;
    std::vector<Entry> contexts_;
};

Digest hmac_sha256(std::string_view key, std::string_view data) {
    thread_local HmacContexts contexts;
    return contexts.sign(key, data);
}

// Tokens whose signature this thread has verified, by their whole text and key set: direct-mapped,
// a slot holds the last such token hashed to it. A hit is compared in constant time, so timing never
// tells how much of a guess matches a cached token.
class VerifiedTokens {
public:
    const Claims* find(std::string_view token, std::uint64_t keys_id) const {
        if (slots_.empty()) return nullptr;
        const Slot& slot = slots_[slot_of(token)];
        if (slot.keys_id != keys_id || slot.token.size() != token.size() ||
            CRYPTO_memcmp(slot.token.data(), token.data(), token.size()) != 0)
            return nullptr;
        return &slot.claims;
    }

    void remember(std::string_view token, std::uint64_t keys_id, const Claims& claims) {
        if (token.size() > k_max_token) return;
        if (slots_.empty()) slots_.resize(k_slots);
        Slot& slot = slots_[slot_of(token)];
        slot.keys_id = keys_id;
        slot.token.assign(token);
        slot.claims = claims;
    }

private:
    static constexpr std::size_t k_slots = 1024;     // per thread: ~0.5 MiB with usual tokens, 2.5 MiB at worst
    static constexpr std::size_t k_max_token = 2048;  // larger tokens are verified every time
    struct Slot {
        std::uint64_t keys_id = 0;  // 0: empty (KeySet ids start at 1)
        std::string token;
        Claims claims;
    };
    static std::size_t slot_of(std::string_view token) { return std::hash<std::string_view>{}(token) % k_slots; }

    std::vector<Slot> slots_;
};

VerifyStatus time_status(const Claims& claims, std::int64_t now, std::int64_t leeway_seconds) {
    if (now > claims.exp + leeway_seconds) return VerifyStatus::expired;
    if (claims.iat > now + leeway_seconds) return VerifyStatus::not_yet_valid;
    return VerifyStatus::ok;
}

std::string header_json(std::string_view kid) {
    nlohmann::json header = {{"alg", "HS256"}, {"typ", "JWT"}, {"kid", kid}};
    return header.dump();
}

// Reads a string claim; absent or non-string gives empty (the caller decides whether it matters).
std::string string_claim(const nlohmann::json& payload, const char* name) {
    const auto it = payload.find(name);
    return it != payload.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::int64_t integer_claim(const nlohmann::json& payload, const char* name) {
    const auto it = payload.find(name);
    if (it == payload.end()) return 0;
    if (it->is_number_integer()) return it->get<std::int64_t>();
    if (it->is_number_float()) return static_cast<std::int64_t>(it->get<double>());
    return 0;
}

std::vector<std::string> split_csv(std::string_view csv) {
    std::vector<std::string> parts;
    while (!csv.empty()) {
        const auto comma = csv.find(',');
        std::string_view part = csv.substr(0, comma);
        while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
        while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
        if (!part.empty()) parts.emplace_back(part);
        if (comma == std::string_view::npos) break;
        csv.remove_prefix(comma + 1);
    }
    return parts;
}

}  // namespace

std::string key_id_for(std::string_view secret) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(secret.data(), secret.size(), digest, &length, EVP_sha256(), nullptr);
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string kid;
    for (int i = 0; i < 8; ++i) {
        kid.push_back(k_hex[digest[i] >> 4]);
        kid.push_back(k_hex[digest[i] & 0x0F]);
    }
    return kid;
}

KeySet::KeySet(std::string current_secret, const std::vector<std::string>& previous_secrets) {
    static std::atomic<std::uint64_t> next_id{1};
    id_ = next_id.fetch_add(1, std::memory_order_relaxed);
    if (current_secret.empty()) throw ConfigError("JWT_SECRET is empty; set it (or JWT_SECRET_FILE) to a long random value");
    keys_.push_back({key_id_for(current_secret), std::move(current_secret)});
    for (const auto& secret : previous_secrets) {
        if (secret.empty() || find(key_id_for(secret))) continue;
        keys_.push_back({key_id_for(secret), secret});
    }
}

void check_secret_strength(std::string_view secret, std::string_view key) {
    const std::string k(key);
    const std::string fix =
        "; use at least " + std::to_string(k_min_secret_bytes) +
        " random bytes, e.g. `openssl rand -hex 32` (`aaitictl up` writes one to secrets/jwt_secret when that file is missing)";
    if (secret.empty()) throw ConfigError(k + " is empty" + fix);
    std::string lower(secret);
    for (char& c : lower)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    // Values copied from examples and templates: equal to one, or containing a "change me" marker.
    static constexpr std::string_view k_placeholders[] = {
        "your-super-secret-jwt-key-change-in-production", "changeme", "change-me", "change_me", "secret",
        "jwt-secret", "jwt_secret", "jwtsecret", "your-secret-key", "your_secret_key", "your-256-bit-secret",
        "supersecret", "super-secret", "mysecret", "my-secret", "password", "default", "example", "placeholder", "test"};
    static constexpr std::string_view k_markers[] = {"change-in-production", "change_in_production", "changeme", "change-me",
                                                     "change_me", "replace-me", "replace_me", "replaceme", "your-super-secret"};
    bool placeholder = false;
    for (auto p : k_placeholders) placeholder = placeholder || lower == p;
    for (auto m : k_markers) placeholder = placeholder || lower.find(m) != std::string::npos;
    if (placeholder) throw ConfigError(k + " is a placeholder value from an example, not a secret" + fix);
    if (secret.size() < k_min_secret_bytes)
        throw ConfigError(k + " is " + std::to_string(secret.size()) + " bytes long, too short to sign tokens" + fix);
    std::array<bool, 256> seen{};
    int distinct = 0;
    for (unsigned char c : secret)
        if (!seen[c]) {
            seen[c] = true;
            ++distinct;
        }
    if (distinct < 8) throw ConfigError(k + " is a repeated pattern (fewer than 8 distinct characters), not a random secret" + fix);
}

KeySet KeySet::from_config(std::string_view current_secret, std::string_view previous_secrets_csv) {
    check_secret_strength(current_secret, "JWT_SECRET");
    std::vector<std::string> previous = split_csv(previous_secrets_csv);
    for (std::size_t i = 0; i < previous.size(); ++i)
        check_secret_strength(previous[i], "JWT_PREVIOUS_SECRETS entry " + std::to_string(i + 1));
    return KeySet(std::string(current_secret), previous);
}

const SigningKey* KeySet::find(std::string_view kid) const {
    for (const auto& key : keys_)
        if (key.kid == kid) return &key;
    return nullptr;
}

std::string sign(const Claims& claims, const SigningKey& key) {
    nlohmann::json payload = {{"sub", claims.sub}, {"iat", claims.iat}, {"exp", claims.exp}};
    if (!claims.username.empty()) payload["username"] = claims.username;
    if (!claims.role.empty()) payload["role"] = claims.role;
    if (!claims.jti.empty()) payload["jti"] = claims.jti;
    if (!claims.sid.empty()) payload["sid"] = claims.sid;
    if (!claims.typ.empty()) payload["typ"] = claims.typ;
    std::string token = base64url_encode(header_json(key.kid));
    token.push_back('.');
    token += base64url_encode(payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    const Digest signature = hmac_sha256(key.secret, token);
    token.push_back('.');
    token += base64url_encode(std::string_view(reinterpret_cast<const char*>(signature.data()), signature.size()));
    return token;
}

std::string_view to_string(VerifyStatus status) {
    switch (status) {
        case VerifyStatus::ok: return "ok";
        case VerifyStatus::malformed: return "malformed token";
        case VerifyStatus::unsupported_algorithm: return "unsupported algorithm";
        case VerifyStatus::unknown_key: return "unknown signing key";
        case VerifyStatus::bad_signature: return "invalid signature";
        case VerifyStatus::expired: return "token expired";
        case VerifyStatus::not_yet_valid: return "token not yet valid";
    }
    return "invalid token";
}

VerifyResult verify(std::string_view token, const KeySet& keys, std::int64_t now, std::int64_t leeway_seconds) {
    VerifyResult result;
    thread_local VerifiedTokens verified;
    if (const Claims* claims = verified.find(token, keys.id())) {
        result.claims = *claims;
        result.status = time_status(result.claims, now, leeway_seconds);
        return result;
    }
    const auto first_dot = token.find('.');
    const auto second_dot = first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
    if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != std::string_view::npos) return result;

    const auto header_text = base64url_decode(token.substr(0, first_dot));
    const auto payload_text = base64url_decode(token.substr(first_dot + 1, second_dot - first_dot - 1));
    const auto signature = base64url_decode(token.substr(second_dot + 1));
    if (!header_text || !payload_text || !signature) return result;

    const auto header = nlohmann::json::parse(*header_text, nullptr, false);
    const auto payload = nlohmann::json::parse(*payload_text, nullptr, false);
    if (header.is_discarded() || !header.is_object() || payload.is_discarded() || !payload.is_object()) return result;

    // Only HS256: "none" and asymmetric algorithms are refused rather than negotiated (the classic
    // alg-confusion attacks).
    if (string_claim(header, "alg") != "HS256") {
        result.status = VerifyStatus::unsupported_algorithm;
        return result;
    }
    // A token without kid (issued by the Node service) is tried against the current key only.
    const std::string kid = string_claim(header, "kid");
    const SigningKey* key = kid.empty() ? &keys.signing_key() : keys.find(kid);
    if (!key) {
        result.status = VerifyStatus::unknown_key;
        return result;
    }
    const Digest expected = hmac_sha256(key->secret, token.substr(0, second_dot));
    if (signature->size() != expected.size() || CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0) {
        result.status = VerifyStatus::bad_signature;
        return result;
    }

    Claims& claims = result.claims;
    claims.sub = string_claim(payload, "sub");
    claims.username = string_claim(payload, "username");
    claims.role = string_claim(payload, "role");
    claims.jti = string_claim(payload, "jti");
    claims.sid = string_claim(payload, "sid");
    claims.typ = string_claim(payload, "typ");
    claims.iat = integer_claim(payload, "iat");
    claims.exp = integer_claim(payload, "exp");
    if (claims.exp == 0 || claims.sub.empty()) {
        result.status = VerifyStatus::malformed;  // a token that never expires or names no one is not ours
        return result;
    }
    verified.remember(token, keys.id(), claims);
    result.status = time_status(claims, now, leeway_seconds);
    return result;
}

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string base64url_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() * 4 + 2) / 3);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                           static_cast<unsigned char>(bytes[i + 2]);
        out.push_back(k_alphabet[(v >> 18) & 63]);
        out.push_back(k_alphabet[(v >> 12) & 63]);
        out.push_back(k_alphabet[(v >> 6) & 63]);
        out.push_back(k_alphabet[v & 63]);
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        const unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
        out.push_back(k_alphabet[(v >> 18) & 63]);
        out.push_back(k_alphabet[(v >> 12) & 63]);
    } else if (rest == 2) {
        const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
        out.push_back(k_alphabet[(v >> 18) & 63]);
        out.push_back(k_alphabet[(v >> 12) & 63]);
        out.push_back(k_alphabet[(v >> 6) & 63]);
    }
    return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
    const std::size_t rest = text.size() % 4;
    if (rest == 1) return std::nullopt;
    std::string out(text.size() / 4 * 3 + (rest == 0 ? 0 : rest - 1), '\0');
    const auto value = [](char c) { return static_cast<int>(k_base64url_values[static_cast<unsigned char>(c)]); };
    // Whole groups of four digits (24 bits, three bytes) first: a token is decoded on every request.
    std::size_t i = 0, o = 0;
    for (; i + 4 <= text.size(); i += 4, o += 3) {
        const int a = value(text[i]), b = value(text[i + 1]), c = value(text[i + 2]), d = value(text[i + 3]);
        if ((a | b | c | d) < 0) return std::nullopt;
        const unsigned v = (static_cast<unsigned>(a) << 18) | (static_cast<unsigned>(b) << 12) | (static_cast<unsigned>(c) << 6) |
                           static_cast<unsigned>(d);
        out[o] = static_cast<char>(v >> 16);
        out[o + 1] = static_cast<char>((v >> 8) & 0xFF);
        out[o + 2] = static_cast<char>(v & 0xFF);
    }
    if (rest > 0) {
        unsigned v = 0;
        for (std::size_t k = 0; k < rest; ++k) {
            const int digit = value(text[i + k]);
            if (digit < 0) return std::nullopt;
            v = (v << 6) | static_cast<unsigned>(digit);
        }
        // 2 digits carry 1 byte and 4 spare bits, 3 digits 2 bytes and 2 spare bits. The spare bits
        // must be zero, so each token has exactly one encoding.
        const unsigned spare = rest == 2 ? 4 : 2;
        if ((v & ((1u << spare) - 1)) != 0) return std::nullopt;
        v >>= spare;
        if (rest == 3) out[o++] = static_cast<char>(v >> 8);
        out[o] = static_cast<char>(v & 0xFF);
    }
    return out;
}

}  // namespace aaiti::jwt
