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

StackDatabase effective_database(const BackupFlags& flags, const Config& config) {
    StackDatabaseRequest request;
    request.url = flags.database_url;
    request.password_file = flags.password_file;
    return find_stack_database(config, request);
}

}  // namespace aaiti::cli
