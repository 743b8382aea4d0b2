#include "common/uuid.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <stdexcept>

#include "common/hex.h"

namespace aaiti {
namespace {

void set_version_and_variant(Uuid::Bytes& b, int version) {
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | (version << 4));
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);  // RFC 4122/9562 variant
}

}  // namespace

Uuid Uuid::random_v4() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    Bytes b;
    randombytes_buf(b.data(), b.size());
    set_version_and_variant(b, 4);
    return Uuid(b);
}

Uuid Uuid::name_based_v5(const Uuid& name_space, std::string_view name) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    const bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), nullptr) == 1 &&
                    EVP_DigestUpdate(ctx, name_space.bytes().data(), name_space.bytes().size()) == 1 &&
                    EVP_DigestUpdate(ctx, name.data(), name.size()) == 1 &&
                    EVP_DigestFinal_ex(ctx, digest, &digest_len) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok || digest_len < 16) throw std::runtime_error("SHA-1 failed while making a UUIDv5");
    Bytes b;
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = digest[i];
    set_version_and_variant(b, 5);
    return Uuid(b);
}

std::optional<Uuid> Uuid::parse(std::string_view text) {
    if (text.size() != 36) return std::nullopt;
    Bytes b{};
    std::size_t byte = 0;
    for (std::size_t i = 0; i < text.size();) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (text[i] != '-') return std::nullopt;
            ++i;
            continue;
        }
        const int hi = hex_digit_value(text[i]), lo = hex_digit_value(text[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        b[byte++] = static_cast<std::uint8_t>(hi << 4 | lo);
        i += 2;
    }
    return Uuid(b);
}

std::string Uuid::to_string() const {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < bytes_.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
        out.push_back(k_hex[bytes_[i] >> 4]);
        out.push_back(k_hex[bytes_[i] & 0x0F]);
    }
    return out;
}

Uuid uuid_namespace_dns() { return *Uuid::parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8"); }
Uuid uuid_namespace_url() { return *Uuid::parse("6ba7b811-9dad-11d1-80b4-00c04fd430c8"); }

}  // namespace aaiti
