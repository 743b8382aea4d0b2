#pragma once
// Choosing a backup to read: by id, the latest complete one, or the newest complete one at or
// before a time. Incomplete backups are never chosen.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "backup/repository.h"

namespace aaiti::backup {

// Throws OperationFailed naming the problem ("backup X is incomplete...", "no complete backup at or
// before ...", "no backup X in <repo>").
const BackupEntry& select_backup(const std::vector<BackupEntry>& entries, const std::string& id, bool latest,
                                 std::optional<std::int64_t> at_unix, const std::string& repository);

}  // namespace aaiti::backup
