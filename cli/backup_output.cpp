#include "backup_output.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "backup/backup_id.h"
#include "common/time_text.h"
#include "table.h"

namespace aaiti::cli {
namespace {

using nlohmann::json;

std::string fixed(double value, int decimals) {
    char out[64];
    std::snprintf(out, sizeof out, "%.*f", decimals, value);
    return out;
}

double ratio(std::uint64_t raw, std::uint64_t stored) { return stored == 0 ? 0.0 : double(raw) / double(stored); }

json manifest_summary_json(const backup::Manifest& m) {
    json tables = json::array();
    for (const auto& t : m.tables) tables.push_back({{"schema", t.schema}, {"name", t.name}, {"rows", t.rows}});
    return {{"id", m.id},
            {"label", m.label},
            {"database", m.database},
            {"server", m.server},
            {"server_version", m.server_version},
            {"started_at", format_utc(m.started_at_ms / 1000)},
            {"finished_at", format_utc(m.finished_at_ms / 1000)},
            {"duration_seconds", (m.finished_at_ms - m.started_at_ms) / 1000.0},
            {"raw_bytes", m.raw_bytes},
            {"compressed_bytes", m.compressed_bytes},
            {"stored_bytes", m.stored_bytes},
            {"encrypted", m.encryption.encrypted()},
            {"sha256", m.stored_sha256},
            {"tables", tables}};
}

std::string dump(const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace); }

}  // namespace

std::string human_bytes(std::uint64_t bytes) {
    static constexpr const char* k_units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1024 && unit < 4) value /= 1024, ++unit;
    return unit == 0 ? std::to_string(bytes) + " B" : fixed(value, 1) + " " + k_units[unit];
}

void print_backup_list(std::ostream& out, const std::vector<backup::BackupEntry>& entries, bool color) {
    Table table{{"ID", "STARTED", "DATABASE", "RAW", "STORED", "RATIO", "SECONDS", "STATE", "LABEL"}, {}};
    for (const auto& e : entries) {
        if (!e.manifest) {
            const auto t = backup::backup_id_time(e.id);
            table.rows.push_back({e.id, t ? format_utc(*t) : "-", "-", "-", "-", "-", "-",
                                  std::string(backup::to_string(e.state)), "-"});
            continue;
        }
        const auto& m = *e.manifest;
        table.rows.push_back({e.id, format_utc(m.started_at_ms / 1000), m.database, human_bytes(m.raw_bytes),
                              human_bytes(m.stored_bytes), fixed(ratio(m.raw_bytes, m.stored_bytes), 2) + "x",
                              fixed((m.finished_at_ms - m.started_at_ms) / 1000.0, 1),
                              std::string(backup::to_string(e.state)) + (m.encryption.encrypted() ? "" : " (plain)"),
                              m.label.empty() ? "-" : m.label});
    }
    print_table(out, table, color);
}

std::string backup_list_json(const std::vector<backup::BackupEntry>& entries) {
    json list = json::array();
    for (const auto& e : entries) {
        json item = e.manifest ? manifest_summary_json(*e.manifest) : json{{"id", e.id}};
        item["state"] = std::string(backup::to_string(e.state));
        if (!e.problem.empty()) item["problem"] = e.problem;
        list.push_back(item);
    }
    return dump({{"backups", list}});
}

std::string backup_summary_line(const backup::CreateResult& result) {
    const auto& m = result.manifest;
    const double mib_per_s = result.seconds > 0 ? double(m.raw_bytes) / (1024.0 * 1024.0) / result.seconds : 0;
    return "backup " + m.id + " complete: " + human_bytes(m.raw_bytes) + " -> " + human_bytes(m.stored_bytes) + " (" +
           fixed(ratio(m.raw_bytes, m.stored_bytes), 2) + "x" + (m.encryption.encrypted() ? ", encrypted" : ", NOT encrypted") +
           ") in " + fixed(result.seconds, 1) + " s, " + fixed(mib_per_s, 1) + " MiB/s, " +
           std::to_string(m.tables.size()) + " tables";
}

std::string create_result_json(const backup::CreateResult& result) {
    json j = manifest_summary_json(result.manifest);
    j["state"] = "complete";
    j["seconds"] = result.seconds;
    return dump(j);
}

std::string restore_result_json(const backup::RestoreResult& result) {
    return dump({{"restored", result.manifest.id},
                 {"database", result.database},
                 {"created", result.created},
                 {"raw_bytes", result.manifest.raw_bytes},
                 {"seconds", result.seconds}});
}

std::string verify_outcomes_json(const std::vector<backup::VerifyOutcome>& outcomes) {
    json list = json::array();
    bool ok = true;
    for (const auto& o : outcomes) {
        list.push_back({{"id", o.id}, {"ok", o.ok}, {"problems", o.problems}, {"restore_tested", o.restore_tested},
                        {"seconds", o.seconds}});
        ok = ok && o.ok;
    }
    return dump({{"ok", ok}, {"backups", list}});
}

std::string prune_plan_json(const std::vector<backup::PruneDecision>& plan, bool dry_run) {
    json list = json::array();
    for (const auto& d : plan) list.push_back({{"id", d.id}, {"keep", d.keep}, {"reasons", d.reasons}});
    return dump({{"dry_run", dry_run}, {"backups", list}});
}

struct ByteProgress::Impl {
    std::string verb;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    std::mutex mutex;
    bool drawn = false;
};

ByteProgress::ByteProgress(std::string verb, bool enabled) {
    if (!enabled || !::isatty(STDERR_FILENO)) return;
    impl_ = std::make_shared<Impl>();
    impl_->verb = std::move(verb);
}

ByteProgress::~ByteProgress() {
    if (impl_ && impl_->drawn) std::cerr << "\r\033[K" << std::flush;
}

std::function<void(std::uint64_t, std::uint64_t)> ByteProgress::callback() {
    if (!impl_) return {};
    auto impl = impl_;
    return [impl](std::uint64_t raw, std::uint64_t stored) {
        const std::lock_guard lock(impl->mutex);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - impl->started).count();
        const double rate = seconds > 0 ? double(raw) / (1024.0 * 1024.0) / seconds : 0;
        std::cerr << "\r\033[K" << impl->verb << ": " << human_bytes(raw) << " dump, " << human_bytes(stored)
                  << " stored, " << fixed(rate, 1) << " MiB/s" << std::flush;
        impl->drawn = true;
    };
}

}  // namespace aaiti::cli
