#pragma once
// The encryption key of a backup: from a key file, or from a passphrase stretched with argon2id and a
// per-backup salt. Each key has a key id (a keyed BLAKE2b of the key) recorded in the manifest, so a
// wrong key is named as such before a single byte is decrypted.
#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "backup/manifest.h"
#include "backup/options.h"

namespace aaiti::backup {

struct BackupKey {
    std::array<unsigned char, 32> bytes{};
    std::string key_id;  // 16 hex digits
};

// For a new backup: nullopt with --no-encrypt; otherwise fills `info` (cipher, kdf, key id, salt...).
// Throws UsageError when no key source is given and encryption was not turned off explicitly.
std::optional<BackupKey> key_for_new_backup(const KeySource& source, EncryptionInfo& info);

// For reading a backup: nullopt when it is not encrypted. Throws UsageError when it is and no key was
// given, OperationFailed "wrong key" when the key id does not match the manifest's.
std::optional<BackupKey> key_for_existing_backup(const KeySource& source, const EncryptionInfo& info,
                                                 std::string_view backup_id);

}  // namespace aaiti::backup
