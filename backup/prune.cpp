// backup prune: last/daily/weekly/monthly retention, like restic's and pgBackRest's rules: a backup
// is kept when any rule keeps it; each calendar rule keeps the newest backup of each of the N most
// recent periods that have one. Incomplete backups are always removed (they cannot be restored).
#include <ctime>
#include <map>
#include <set>

#include "backup/backup.h"
#include "common/error.h"

namespace aaiti::backup {
namespace {

std::tm utc_tm(std::int64_t unix_ms) {
    const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    return tm;
}

std::string period_key(const std::tm& tm, const char* format) {
    char out[32];
    std::strftime(out, sizeof out, format, &tm);
    return out;
}

// Keeps the newest backup of each of the `count` most recent periods (entries newest first).
void keep_per_period(const std::vector<const BackupEntry*>& newest_first, int count, const char* format,
                     const char* rule, std::map<std::string, std::vector<std::string>>& reasons) {
    std::set<std::string> periods;
    for (const BackupEntry* e : newest_first) {
        if (static_cast<int>(periods.size()) >= count) break;
        const std::string period = period_key(utc_tm(e->manifest->started_at_ms), format);
        if (!periods.insert(period).second) continue;
        reasons[e->id].push_back(std::string(rule) + " " + period);
    }
}

}  // namespace

std::vector<PruneDecision> plan_prune(const std::vector<BackupEntry>& entries, const RetentionRules& rules) {
    if (!rules.any())
        throw UsageError("prune needs at least one rule: --keep-last, --keep-daily, --keep-weekly or --keep-monthly");
    std::vector<const BackupEntry*> complete_newest_first;
    for (auto it = entries.rbegin(); it != entries.rend(); ++it)
        if (it->state == BackupState::complete) complete_newest_first.push_back(&*it);

    std::map<std::string, std::vector<std::string>> reasons;
    for (int i = 0; i < rules.keep_last && i < static_cast<int>(complete_newest_first.size()); ++i)
        reasons[complete_newest_first[i]->id].push_back("last " + std::to_string(i + 1));
    keep_per_period(complete_newest_first, rules.keep_daily, "%Y-%m-%d", "daily", reasons);
    keep_per_period(complete_newest_first, rules.keep_weekly, "%G-W%V", "weekly", reasons);
    keep_per_period(complete_newest_first, rules.keep_monthly, "%Y-%m", "monthly", reasons);

    std::vector<PruneDecision> plan;
    for (const auto& e : entries) {
        PruneDecision d;
        d.id = e.id;
        if (e.state == BackupState::running) {
            d.keep = true;
            d.reasons = {"running"};
        } else if (e.state != BackupState::complete) {
            d.reasons = {"incomplete"};
        } else if (const auto it = reasons.find(e.id); it != reasons.end()) {
            d.keep = true;
            d.reasons = it->second;
        } else {
            d.reasons = {"no rule keeps it"};
        }
        plan.push_back(std::move(d));
    }
    return plan;
}

std::vector<PruneDecision> prune_backups(const PruneOptions& options) {
    auto repository = open_directory_repository(options.repository, false);
    if (options.dry_run) return plan_prune(repository->list(), options.rules);
    const auto lock = repository->lock("backup prune");
    const auto plan = plan_prune(repository->list(), options.rules);
    for (const auto& d : plan)
        if (!d.keep) repository->remove(d.id);
    return plan;
}

}  // namespace aaiti::backup
