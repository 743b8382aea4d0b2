#include "backup/key_material.h"

#include <sodium.h>

#include <fstream>
#include <sstream>

#include "common/error.h"

namespace aaiti::backup {
namespace {

constexpr std::string_view k_cipher = "xchacha20poly1305-secretstream";
constexpr std::uint32_t k_chunk_bytes = 1 << 20;
// argon2id at libsodium's INTERACTIVE limits (64 MiB, ~0.2 s here): the stored parameters let a later
// version raise them without breaking old backups.
constexpr unsigned long long k_opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
constexpr std::size_t k_memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;

void init_sodium() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

std::string read_secret(const std::string& path, std::string_view what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(std::string(what) + " " + path + " cannot be read");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string hex(const unsigned char* data, std::size_t size) {
    std::string out(size * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), data, size);
    out.pop_back();
    return out;
}

std::string key_id_of(const std::array<unsigned char, 32>& key) {
    static constexpr unsigned char k_context[] = "aaiti-backup-key-id-v1";
    unsigned char id[8];
    crypto_generichash(id, sizeof id, k_context, sizeof k_context - 1, key.data(), key.size());
    return hex(id, sizeof id);
}

// A key file holds 32 raw bytes, 64 hex digits or base64 of 32 bytes (surrounding whitespace ignored).
std::array<unsigned char, 32> parse_key_file(const std::string& path) {
    std::string text = read_secret(path, "--key-file");
    std::array<unsigned char, 32> key{};
    if (text.size() == key.size()) {
        std::copy(text.begin(), text.end(), key.begin());
        return key;
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.erase(text.begin());
    std::size_t length = 0;
    if (text.size() == 64 &&
        sodium_hex2bin(key.data(), key.size(), text.data(), text.size(), nullptr, &length, nullptr) == 0 && length == 32)
        return key;
    if (sodium_base642bin(key.data(), key.size(), text.data(), text.size(), nullptr, &length, nullptr,
                          sodium_base64_VARIANT_ORIGINAL) == 0 &&
        length == 32)
        return key;
    throw ConfigError("--key-file " + path +
                      " does not hold a 32-byte key (32 raw bytes, 64 hex digits or base64); make one with: "
                      "head -c 32 /dev/urandom > " + path);
}

std::string read_passphrase(const std::string& path) {
    std::string text = read_secret(path, "--passphrase-file");
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (text.size() < 8) throw ConfigError("--passphrase-file " + path + ": the passphrase is shorter than 8 characters");
    return text;
}

std::array<unsigned char, 32> derive(const std::string& passphrase, const unsigned char* salt,
                                     unsigned long long opslimit, std::size_t memlimit) {
    std::array<unsigned char, 32> key{};
    if (crypto_pwhash(key.data(), key.size(), passphrase.data(), passphrase.size(), salt, opslimit, memlimit,
                      crypto_pwhash_ALG_ARGON2ID13) != 0)
        throw std::runtime_error("argon2id key derivation ran out of memory");
    return key;
}

void check_one_source(const KeySource& source) {
    if (!source.key_file.empty() && !source.passphrase_file.empty())
        throw UsageError("give either --key-file or --passphrase-file, not both");
}

}  // namespace

std::optional<BackupKey> key_for_new_backup(const KeySource& source, EncryptionInfo& info) {
    init_sodium();
    check_one_source(source);
    if (source.no_encrypt) {
        if (!source.key_file.empty() || !source.passphrase_file.empty())
            throw UsageError("--no-encrypt contradicts --key-file/--passphrase-file");
        info = EncryptionInfo{};
        return std::nullopt;
    }
    if (source.key_file.empty() && source.passphrase_file.empty())
        throw UsageError("backups are encrypted: give --key-file FILE or --passphrase-file FILE "
                         "(or --no-encrypt to store them in the clear)");
    BackupKey key;
    info.cipher = std::string(k_cipher);
    info.chunk_bytes = k_chunk_bytes;
    if (!source.key_file.empty()) {
        key.bytes = parse_key_file(source.key_file);
        info.kdf = "key-file";
    } else {
        unsigned char salt[crypto_pwhash_SALTBYTES];
        randombytes_buf(salt, sizeof salt);
        key.bytes = derive(read_passphrase(source.passphrase_file), salt, k_opslimit, k_memlimit);
        info.kdf = "argon2id";
        info.salt_hex = hex(salt, sizeof salt);
        info.opslimit = k_opslimit;
        info.memlimit = k_memlimit;
    }
    key.key_id = key_id_of(key.bytes);
    info.key_id = key.key_id;
    return key;
}

std::optional<BackupKey> key_for_existing_backup(const KeySource& source, const EncryptionInfo& info,
                                                 std::string_view backup_id) {
    init_sodium();
    check_one_source(source);
    if (!info.encrypted()) return std::nullopt;
    if (info.cipher != k_cipher) throw DataError("backup " + std::string(backup_id) + " uses an unknown cipher " + info.cipher);
    BackupKey key;
    if (info.kdf == "key-file") {
        if (source.key_file.empty())
            throw UsageError("backup " + std::string(backup_id) + " is encrypted with a key file; give --key-file FILE");
        key.bytes = parse_key_file(source.key_file);
    } else if (info.kdf == "argon2id") {
        if (source.passphrase_file.empty())
            throw UsageError("backup " + std::string(backup_id) +
                             " is encrypted with a passphrase; give --passphrase-file FILE");
        unsigned char salt[crypto_pwhash_SALTBYTES];
        std::size_t length = 0;
        if (sodium_hex2bin(salt, sizeof salt, info.salt_hex.data(), info.salt_hex.size(), nullptr, &length, nullptr) != 0 ||
            length != sizeof salt || info.memlimit > (std::size_t{1} << 32))
            throw DataError("backup " + std::string(backup_id) + ": the manifest's argon2id parameters are malformed");
        key.bytes = derive(read_passphrase(source.passphrase_file), salt, info.opslimit,
                           static_cast<std::size_t>(info.memlimit));
    } else {
        throw DataError("backup " + std::string(backup_id) + " uses an unknown key derivation " + info.kdf);
    }
    key.key_id = key_id_of(key.bytes);
    if (key.key_id != info.key_id)
        throw OperationFailed("wrong key for backup " + std::string(backup_id) + ": it was encrypted with key id " +
                              info.key_id + ", the key given has id " + key.key_id + "; nothing was read or written");
    return key;
}

}  // namespace aaiti::backup
