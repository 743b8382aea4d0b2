#pragma once
// The settings backup and restore share: repository, key source and database, each from its flag or
// else from the configuration (BACKUP_REPOSITORY, BACKUP_KEY_FILE / BACKUP_PASSPHRASE_FILE,
// WRITE_DB_URL / DB_*).
#include <string>

#include "backup/options.h"
#include "common/config.h"

namespace aaiti::cli {

struct BackupFlags {
    std::string repository;
    std::string key_file;
    std::string passphrase_file;
    bool no_encrypt = false;
    std::string database_url;
    std::string pg_bindir;
};

std::string effective_repository(const BackupFlags& flags, const Config& config);
backup::KeySource effective_key_source(const BackupFlags& flags, const Config& config);
std::string effective_database_url(const BackupFlags& flags, const Config& config);

}  // namespace aaiti::cli
