#pragma once
// The settings backup and restore share: repository, key source and database, each from its flag or
// else from the configuration (BACKUP_REPOSITORY, BACKUP_KEY_FILE / BACKUP_PASSPHRASE_FILE,
// WRITE_DB_URL / DB_*, the running stack's primary; the password as every verb finds it: common/stack_database.h).
#include <string>

#include "backup/options.h"
#include "common/config.h"
#include "common/stack_database.h"

namespace aaiti::cli {

struct BackupFlags {
    std::string repository;
    std::string key_file;
    std::string passphrase_file;
    bool no_encrypt = false;
    std::string database_url;
    std::string password_file;  // --password-file
    std::string pg_bindir;
};

std::string effective_repository(const BackupFlags& flags, const Config& config);
backup::KeySource effective_key_source(const BackupFlags& flags, const Config& config);
// The database (--db, else the configuration, else the running stack's primary) with its password.
StackDatabase effective_database(const BackupFlags& flags, const Config& config);

}  // namespace aaiti::cli
