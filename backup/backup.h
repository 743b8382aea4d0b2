#pragma once
// aaiti_backup's entry points: one function per command. See backup/README.md for the pipeline.
#include <string>
#include <vector>

#include "backup/manifest.h"
#include "backup/options.h"
#include "backup/repository.h"

namespace aaiti::backup {

struct CreateResult {
    Manifest manifest;
    double seconds = 0;
};
// pg_dump -Fc -Z0 (sharing a snapshot with the row counts) -> zstd -> secretstream -> repository,
// then the manifest, atomically. On any failure the partial backup is removed and the error thrown:
// nothing is ever marked complete that is not.
CreateResult create_backup(const CreateOptions& options);

std::vector<BackupEntry> list_backups(const std::string& repository);

struct RestoreResult {
    Manifest manifest;
    std::string database;
    bool created = false;
    double seconds = 0;
};
// Chooses the backup, checks the key, authenticates and checksums the whole stored file, and only
// then touches the target database.
RestoreResult restore_backup(const RestoreOptions& options);

struct VerifyOutcome {
    std::string id;
    bool ok = false;
    std::vector<std::string> problems;
    bool restore_tested = false;
    double seconds = 0;
};
std::vector<VerifyOutcome> verify_backups(const VerifyOptions& options);

struct PruneDecision {
    std::string id;
    bool keep = false;
    std::vector<std::string> reasons;  // "last 1", "daily 2026-11-26", "incomplete"
};
// Pure: which backups the rules keep (entries oldest first, as list_backups returns them).
std::vector<PruneDecision> plan_prune(const std::vector<BackupEntry>& entries, const RetentionRules& rules);
// Plans, and unless dry_run removes what the plan drops (under the repository lock).
std::vector<PruneDecision> prune_backups(const PruneOptions& options);

}  // namespace aaiti::backup
