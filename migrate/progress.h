#pragma once
// Live progress of a migration, for a display the CLI draws on a terminal (cli/migrate_progress.*).
// Writers (the orchestrator and the loader's workers) only store atomics: no lock, no allocation on the
// row loop. One reader (the display's thread) takes snapshots; format_progress() turns a snapshot into
// lines of text (pure, so its layout is tested without a terminal).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace aaiti::migrate {

enum class TableState { waiting, loading, done };

struct TableProgressSnapshot {
    std::string name;
    std::int64_t rows = 0;   // rows read so far
    std::int64_t total = 0;  // rows the profile pass counted
    TableState state = TableState::waiting;
    double seconds = 0;      // since the table started (to its end once done)
};

struct ProgressSnapshot {
    std::string phase;       // "introspect", "profile", "load", ... (empty before the first phase)
    double seconds = 0;      // since the migration started
    std::vector<TableProgressSnapshot> tables;  // empty until the load begins
};

class LoadProgress {
public:
    LoadProgress();
    ~LoadProgress();
    LoadProgress(const LoadProgress&) = delete;
    LoadProgress& operator=(const LoadProgress&) = delete;

    // Writers. set_phase takes a string literal (kept by pointer). begin_load is called once, before any
    // worker reports; the names and totals are published to the reader by the `tables_ready_` flag.
    void set_phase(const char* phase);
    void begin_load(const std::vector<std::string>& names, const std::vector<std::int64_t>& totals);
    void table_started(std::size_t table);
    void table_rows(std::size_t table, std::int64_t rows_read);  // cheap (a relaxed store); call every few thousand rows
    void table_done(std::size_t table, std::int64_t rows_read);

    // The reader.
    ProgressSnapshot snapshot() const;

private:
    struct Table;
    using Clock = std::chrono::steady_clock;
    std::int64_t now_ns() const;

    const Clock::time_point started_;
    std::atomic<const char*> phase_{""};
    std::unique_ptr<Table[]> tables_;
    std::size_t table_count_ = 0;
    std::atomic<bool> tables_ready_{false};
};

// The display, as lines without newlines, each at most `width` columns (a wrapped line would break the
// cursor arithmetic of the redraw): an overall line (phase, bar, percent, rows, rate, tables done,
// elapsed), then one line per table being loaded (at most `max_table_lines`, then "... N more").
// `color`: ANSI SGR colours for the bars; no other escape sequence is ever in the result.
std::vector<std::string> format_progress(const ProgressSnapshot& snapshot, int width, bool color, int max_table_lines = 8);

// 1234 -> "1234", 12345 -> "12.3k", 1234567 -> "1.23M": short counts and rates for narrow terminals.
std::string short_count(double n);

}  // namespace aaiti::migrate
