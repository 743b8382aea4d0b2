#include "migrate/key_uuid.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace aaiti::migrate {

void KeyUuidGenerator::CtxFree::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

KeyUuidGenerator::KeyUuidGenerator(const Uuid& name_space, std::string_view table)
    : prefix_(EVP_MD_CTX_new()), scratch_(EVP_MD_CTX_new()) {
    const unsigned char colon = ':';
    if (!prefix_ || !scratch_ || EVP_DigestInit_ex(prefix_.get(), EVP_sha1(), nullptr) != 1 ||
        EVP_DigestUpdate(prefix_.get(), name_space.bytes().data(), name_space.bytes().size()) != 1 ||
        EVP_DigestUpdate(prefix_.get(), table.data(), table.size()) != 1 || EVP_DigestUpdate(prefix_.get(), &colon, 1) != 1)
        throw std::runtime_error("SHA-1 failed while preparing key UUIDs");
}

void KeyUuidGenerator::write(std::string_view key_text, std::string& out) const {
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!prefix_ || EVP_MD_CTX_copy_ex(scratch_.get(), prefix_.get()) != 1 ||
        EVP_DigestUpdate(scratch_.get(), key_text.data(), key_text.size()) != 1 ||
        EVP_DigestFinal_ex(scratch_.get(), d, &len) != 1 || len < 16)
        throw std::runtime_error("SHA-1 failed while making a key UUID");
    d[6] = static_cast<unsigned char>((d[6] & 0x0F) | 0x50);  // version 5
    d[8] = static_cast<unsigned char>((d[8] & 0x3F) | 0x80);  // RFC 9562 variant
    static constexpr char k_hex[] = "0123456789abcdef";
    out.resize(36);
    std::size_t o = 0;
    for (std::size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
        out[o++] = k_hex[d[i] >> 4];
        out[o++] = k_hex[d[i] & 0x0F];
    }
}

}  // namespace aaiti::migrate
