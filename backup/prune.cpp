// backup prune: last/daily/weekly/monthly retention, like restic's and pgBackRest's rules: a backup
// is kept when any rule keeps it; each calendar rule keeps the newest backup of each of the N most
// recent periods that have one. Incomplete backups are always removed (they cannot be restored).
// The rules apply to unlabelled and scheduled backups; one made with `backup create --label NAME` is
// kept, like restic's --keep-tag, until `prune --label NAME` applies the rules to that label alone.
// Every decision carries its reasons, removals included ("daily 2026-11-25 keeps the newer <id>").
#include <ctime>
#include <map>

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

const std::string& label_of(const BackupEntry& e) {
    static const std::string none;
    return e.manifest ? e.manifest->label : none;
}

// Whether this prune's rules apply to a backup: see RetentionRules::label.
bool under_rules(const BackupEntry& e, const RetentionRules& rules) {
    const std::string& label = label_of(e);
    if (!rules.label.empty()) return label == rules.label;
    return label.empty() || label == k_scheduled_label;
}

// One calendar rule: the newest backup of each of the `count` most recent periods that have one.
struct PeriodRule {
    const char* name;    // "daily"
    const char* format;  // strftime of the period: "%Y-%m-%d"
    const char* unit;    // "days"
    int count;
    std::map<std::string, std::string> kept;  // period -> the id kept for it
};

void keep_per_period(const std::vector<const BackupEntry*>& newest_first, PeriodRule& rule,
                     std::map<std::string, std::vector<std::string>>& reasons) {
    for (const BackupEntry* e : newest_first) {
        if (static_cast<int>(rule.kept.size()) >= rule.count) break;
        const std::string period = period_key(utc_tm(e->manifest->started_at_ms), rule.format);
        if (!rule.kept.emplace(period, e->id).second) continue;
        reasons[e->id].push_back(std::string(rule.name) + " " + period);
    }
}

}  // namespace

std::vector<PruneDecision> plan_prune(const std::vector<BackupEntry>& entries, const RetentionRules& rules) {
    if (!rules.any())
        throw UsageError("prune needs at least one rule: --keep-last, --keep-daily, --keep-weekly or --keep-monthly");
    std::vector<const BackupEntry*> complete_newest_first;
    for (auto it = entries.rbegin(); it != entries.rend(); ++it)
        if (it->state == BackupState::complete && under_rules(*it, rules)) complete_newest_first.push_back(&*it);

    std::map<std::string, std::vector<std::string>> reasons;
    for (int i = 0; i < rules.keep_last && i < static_cast<int>(complete_newest_first.size()); ++i)
        reasons[complete_newest_first[i]->id].push_back("last " + std::to_string(i + 1));
    PeriodRule periods[] = {{"daily", "%Y-%m-%d", "days", rules.keep_daily, {}},
                            {"weekly", "%G-W%V", "weeks", rules.keep_weekly, {}},
                            {"monthly", "%Y-%m", "months", rules.keep_monthly, {}}};
    for (PeriodRule& rule : periods) keep_per_period(complete_newest_first, rule, reasons);

    std::vector<PruneDecision> plan;
    for (const auto& e : entries) {
        PruneDecision d;
        d.id = e.id;
        if (e.state == BackupState::running) {
            d.keep = true;
            d.reasons = {"running"};
        } else if (e.state != BackupState::complete) {
            d.reasons = {"incomplete"};
        } else if (!under_rules(e, rules)) {
            d.keep = true;
            const std::string& label = label_of(e);
            d.reasons = {label.empty() || label == k_scheduled_label
                             ? "not labelled " + rules.label
                             : "labelled \"" + label + "\": kept until `backup prune --label " + label + "` or removed by hand"};
        } else if (const auto it = reasons.find(e.id); it != reasons.end()) {
            d.keep = true;
            d.reasons = it->second;
        } else {
            // Why each rule passes it over: a newer backup holds its period, or its period is too old.
            d.reasons = {"no rule keeps it"};
            if (rules.keep_last > 0) d.reasons.push_back("not among the " + std::to_string(rules.keep_last) + " newest");
            for (const PeriodRule& rule : periods) {
                if (rule.count <= 0) continue;
                const std::string period = period_key(utc_tm(e.manifest->started_at_ms), rule.format);
                const auto held = rule.kept.find(period);
                d.reasons.push_back(held != rule.kept.end()
                                        ? std::string(rule.name) + " " + period + " keeps the newer " + held->second
                                        : std::string(rule.name) + " " + period + " is older than the " +
                                              std::to_string(rule.count) + " newest " + rule.unit);
            }
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
