#include "backup/selection.h"

#include "backup/backup_id.h"
#include "common/error.h"
#include "common/time_text.h"

namespace aaiti::backup {

const BackupEntry& select_backup(const std::vector<BackupEntry>& entries, const std::string& id, bool latest,
                                 std::optional<std::int64_t> at_unix, const std::string& repository) {
    if (!id.empty()) {
        for (const auto& entry : entries) {
            if (entry.id != id) continue;
            if (entry.state != BackupState::complete)
                throw OperationFailed("backup " + id + " is " + std::string(to_string(entry.state)) +
                                      (entry.problem.empty() ? "" : " (" + entry.problem + ")") +
                                      "; it cannot be restored. `aaitictl backup list` shows the complete ones");
            return entry;
        }
        throw OperationFailed("no backup " + id + " in " + repository);
    }
    const BackupEntry* chosen = nullptr;
    for (const auto& entry : entries) {
        if (entry.state != BackupState::complete) continue;
        // A backup holds the data as of its start (pg_dump's snapshot), so that is the time compared.
        if (at_unix && entry.manifest->started_at_ms / 1000 > *at_unix) continue;
        chosen = &entry;  // entries are oldest first: the last match is the newest
    }
    if (chosen) return *chosen;
    if (at_unix)
        throw OperationFailed("no complete backup at or before " + format_utc(*at_unix) + " in " + repository);
    (void)latest;
    throw OperationFailed("no complete backup in " + repository);
}

}  // namespace aaiti::backup
