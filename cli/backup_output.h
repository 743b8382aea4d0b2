#pragma once
// How backup and restore results look: tables and summary lines for people, JSON for scripts, and a
// one-line progress display on a terminal. Shared by the backup and restore verbs.
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "backup/backup.h"

namespace aaiti::cli {

std::string human_bytes(std::uint64_t bytes);  // "12.3 MiB"

void print_backup_list(std::ostream& out, const std::vector<backup::BackupEntry>& entries, bool color);
std::string backup_list_json(const std::vector<backup::BackupEntry>& entries);

// "backup 2026...-1f4a complete: 201.4 MiB -> 38.2 MiB (5.27x) in 3.1 s, 65.0 MiB/s"
std::string backup_summary_line(const backup::CreateResult& result);
std::string create_result_json(const backup::CreateResult& result);
std::string restore_result_json(const backup::RestoreResult& result);
std::string verify_outcomes_json(const std::vector<backup::VerifyOutcome>& outcomes);
std::string prune_plan_json(const std::vector<backup::PruneDecision>& plan, bool dry_run);

// Draws "verb: 120.0 MiB read, 30.1 MiB stored, 85.2 MiB/s" on stderr when it is a terminal; nullptr
// callback otherwise. The returned object clears the line when destroyed.
class ByteProgress {
public:
    ByteProgress(std::string verb, bool enabled);
    ~ByteProgress();
    std::function<void(std::uint64_t, std::uint64_t)> callback();

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace aaiti::cli
