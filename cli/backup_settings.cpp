#include "backup_settings.h"

namespace aaiti::cli {

std::string effective_repository(const BackupFlags& flags, const Config& config) {
    return flags.repository.empty() ? config.get_or("BACKUP_REPOSITORY", "") : flags.repository;
}

backup::KeySource effective_key_source(const BackupFlags& flags, const Config& config) {
    backup::KeySource key;
    key.no_encrypt = flags.no_encrypt;
    if (!flags.key_file.empty() || !flags.passphrase_file.empty()) {
        key.key_file = flags.key_file;
        key.passphrase_file = flags.passphrase_file;
    } else if (!flags.no_encrypt) {
        // The configured source only when no flag chose one, so a flag never mixes with the file.
        key.key_file = config.get_or("BACKUP_KEY_FILE", "");
        if (key.key_file.empty()) key.passphrase_file = config.get_or("BACKUP_PASSPHRASE_FILE", "");
    }
    return key;
}

std::string effective_database_url(const BackupFlags& flags, const Config& config) {
    return flags.database_url.empty() ? config.write_db_url() : flags.database_url;
}

}  // namespace aaiti::cli
