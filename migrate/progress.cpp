#include "migrate/progress.h"

#include <algorithm>
#include <cstdio>

namespace aaiti::migrate {

struct LoadProgress::Table {
    std::string name;
    std::int64_t total = 0;
    std::atomic<std::int64_t> rows{0};
    std::atomic<int> state{static_cast<int>(TableState::waiting)};
    std::atomic<std::int64_t> started_ns{0};
    std::atomic<std::int64_t> finished_ns{0};
};

LoadProgress::LoadProgress() : started_(Clock::now()) {}
LoadProgress::~LoadProgress() = default;

std::int64_t LoadProgress::now_ns() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started_).count();
}

void LoadProgress::set_phase(const char* phase) { phase_.store(phase, std::memory_order_relaxed); }

void LoadProgress::begin_load(const std::vector<std::string>& names, const std::vector<std::int64_t>& totals) {
    if (tables_ready_.load(std::memory_order_acquire)) return;  // once: the reader may already hold pointers
    tables_ = std::make_unique<Table[]>(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
        tables_[i].name = names[i];
        tables_[i].total = i < totals.size() ? totals[i] : 0;
    }
    table_count_ = names.size();
    tables_ready_.store(true, std::memory_order_release);
}

void LoadProgress::table_started(std::size_t t) {
    if (!tables_ready_.load(std::memory_order_acquire) || t >= table_count_) return;
    tables_[t].started_ns.store(now_ns(), std::memory_order_relaxed);
    tables_[t].state.store(static_cast<int>(TableState::loading), std::memory_order_release);
}

void LoadProgress::table_rows(std::size_t t, std::int64_t rows_read) {
    if (t < table_count_) tables_[t].rows.store(rows_read, std::memory_order_relaxed);
}

void LoadProgress::table_done(std::size_t t, std::int64_t rows_read) {
    if (!tables_ready_.load(std::memory_order_acquire) || t >= table_count_) return;
    tables_[t].rows.store(rows_read, std::memory_order_relaxed);
    tables_[t].finished_ns.store(now_ns(), std::memory_order_relaxed);
    tables_[t].state.store(static_cast<int>(TableState::done), std::memory_order_release);
}

ProgressSnapshot LoadProgress::snapshot() const {
    ProgressSnapshot s;
    s.phase = phase_.load(std::memory_order_relaxed);
    const std::int64_t now = now_ns();
    s.seconds = static_cast<double>(now) / 1e9;
    if (!tables_ready_.load(std::memory_order_acquire)) return s;
    s.tables.reserve(table_count_);
    for (std::size_t i = 0; i < table_count_; ++i) {
        const Table& t = tables_[i];
        TableProgressSnapshot ts;
        ts.name = t.name;
        ts.total = t.total;
        ts.state = static_cast<TableState>(t.state.load(std::memory_order_acquire));
        ts.rows = t.rows.load(std::memory_order_relaxed);
        if (ts.state != TableState::waiting) {
            const std::int64_t end = ts.state == TableState::done ? t.finished_ns.load(std::memory_order_relaxed) : now;
            ts.seconds = static_cast<double>(std::max<std::int64_t>(0, end - t.started_ns.load(std::memory_order_relaxed))) / 1e9;
        }
        s.tables.push_back(std::move(ts));
    }
    return s;
}

std::string short_count(double n) {
    char buf[32];
    if (n < 10000)
        std::snprintf(buf, sizeof buf, "%.0f", n);
    else if (n < 1e6)
        std::snprintf(buf, sizeof buf, "%.1fk", n / 1e3);
    else if (n < 1e9)
        std::snprintf(buf, sizeof buf, "%.2fM", n / 1e6);
    else
        std::snprintf(buf, sizeof buf, "%.2fG", n / 1e9);
    return buf;
}

namespace {

constexpr const char* k_green = "\x1b[32m";
constexpr const char* k_dim = "\x1b[2m";
constexpr const char* k_reset = "\x1b[0m";

// A table's count can pass the profiled total when the source grew since the profile pass.
double fraction(std::int64_t done, std::int64_t total) {
    if (total <= 0) return done > 0 ? 1.0 : 0.0;
    return std::clamp(static_cast<double>(done) / static_cast<double>(total), 0.0, 1.0);
}

// `cells` columns of '#' (done) and '.' (to do); SGR codes around them do not take columns.
std::string bar(double f, int cells, bool color) {
    const int filled = static_cast<int>(f * cells + 1e-9);
    std::string out = "[";
    if (color) out += k_green;
    out.append(static_cast<std::size_t>(filled), '#');
    if (color) out += k_dim;
    out.append(static_cast<std::size_t>(cells - filled), '.');
    if (color) out += k_reset;
    return out + "]";
}

std::string clock_text(double seconds) {
    const auto s = static_cast<long>(seconds);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    return buf;
}

std::string percent(double f) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%3d%%", static_cast<int>(f * 100));
    return buf;
}

// Cuts `text` to `width` visible columns; SGR sequences count as none and are kept whole. Names are
// cut by bytes, which at worst splits a UTF-8 character at the right edge of one frame.
std::string fit(const std::string& text, int width) {
    std::string out;
    int visible = 0;
    for (std::size_t i = 0; i < text.size();) {
        if (text[i] == '\x1b') {
            const std::size_t end = text.find('m', i);
            const std::size_t stop = end == std::string::npos ? text.size() : end + 1;
            out.append(text, i, stop - i);
            i = stop;
            continue;
        }
        if (visible >= width) {
            ++i;
            continue;
        }
        out += text[i++];
        ++visible;
    }
    return out;
}

// Table names are aligned to the longest one loading (at most 24 columns); longer ones are cut.
std::string padded(const std::string& s, std::size_t n) { return s.size() >= n ? s.substr(0, n) : s + std::string(n - s.size(), ' '); }

}  // namespace

std::vector<std::string> format_progress(const ProgressSnapshot& s, int width, bool color, int max_table_lines) {
    width = std::max(width, 20);
    std::vector<std::string> lines;
    const std::string phase = s.phase.empty() ? "starting" : s.phase;
    if (s.tables.empty()) {
        lines.push_back(fit("migrate: " + phase + "  " + clock_text(s.seconds), width));
        return lines;
    }
    std::int64_t rows = 0, total = 0;
    std::size_t done = 0;
    double loading_seconds = 0;
    std::size_t name_width = 0;
    for (const auto& t : s.tables) {
        rows += t.rows;
        total += std::max(t.total, t.rows);
        if (t.state == TableState::done) ++done;
        loading_seconds = std::max(loading_seconds, t.seconds);
        if (t.state == TableState::loading) name_width = std::max(name_width, t.name.size());
    }
    name_width = std::min<std::size_t>(name_width, 24);
    const double f = fraction(rows, total);
    // Most telling first: on a narrow terminal fit() cuts from the right (the rate and the clock go first).
    const std::string rate = loading_seconds > 0 ? " " + short_count(static_cast<double>(rows) / loading_seconds) + "/s" : "";
    lines.push_back(fit("migrate: " + phase + " " + bar(f, 16, color) + " " + percent(f) + " " + short_count(static_cast<double>(rows)) + "/" +
                            short_count(static_cast<double>(total)) + " rows " + std::to_string(done) + "/" +
                            std::to_string(s.tables.size()) + " tables" + rate + " " + clock_text(s.seconds),
                        width));
    int shown = 0, hidden = 0;
    for (const auto& t : s.tables) {
        if (t.state != TableState::loading) continue;
        if (shown >= max_table_lines) {
            ++hidden;
            continue;
        }
        ++shown;
        const double tf = fraction(t.rows, t.total);
        const std::string trate = t.seconds > 0 ? " " + short_count(static_cast<double>(t.rows) / t.seconds) + "/s" : "";
        lines.push_back(fit("  " + padded(t.name, name_width) + " " + bar(tf, 16, color) + " " + percent(tf) + " " +
                                short_count(static_cast<double>(t.rows)) + "/" + short_count(static_cast<double>(t.total)) + trate,
                            width));
    }
    if (hidden > 0) lines.push_back(fit("  ... " + std::to_string(hidden) + " more tables loading", width));
    return lines;
}

}  // namespace aaiti::migrate
