#include "common/jwt.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <chrono>
#include <nlohmann/json.hpp>

#include "common/error.h"

namespace aaiti::jwt {
namespace {

constexpr std::string_view k_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int base64url_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

using Digest = std::array<unsigned char, 32>;

Digest hmac_sha256(std::string_view key, std::string_view data) {
    Digest out{};
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
         data.size(), out.data(), &length);
    return out;
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
    if (current_secret.empty()) throw ConfigError("JWT_SECRET is empty; set it (or JWT_SECRET_FILE) to a long random value");
    keys_.push_back({key_id_for(current_secret), std::move(current_secret)});
    for (const auto& secret : previous_secrets) {
        if (secret.empty() || find(key_id_for(secret))) continue;
        keys_.push_back({key_id_for(secret), secret});
    }
}

KeySet KeySet::from_config(std::string_view current_secret, std::string_view previous_secrets_csv) {
    return KeySet(std::string(current_secret), split_csv(previous_secrets_csv));
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
    } else if (now > claims.exp + leeway_seconds) {
        result.status = VerifyStatus::expired;
    } else if (claims.iat > now + leeway_seconds) {
        result.status = VerifyStatus::not_yet_valid;
    } else {
        result.status = VerifyStatus::ok;
    }
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
    if (text.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(text.size() * 3 / 4);
    unsigned buffer = 0;
    int bits = 0;
    for (const char c : text) {
        const int v = base64url_value(c);
        if (v < 0) return std::nullopt;
        buffer = (buffer << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
        }
    }
    // Leftover bits must be zero, so each token has exactly one encoding.
    if (bits > 0 && (buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

}  // namespace aaiti::jwt
