#pragma once
// The live display of `aaitictl migrate` on a terminal: one thread redraws migrate::LoadProgress on
// stderr at most 10 times a second (migrate::format_progress() decides the text). Log lines written
// meanwhile go above it (logging::StderrOverlay), never through it.
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/logging.h"
#include "migrate/progress.h"

namespace aaiti::cli {

class MigrateProgressDisplay final : public logging::StderrOverlay {
public:
    MigrateProgressDisplay(const migrate::LoadProgress& progress, bool color);
    // Draws the last frame, leaves it on screen and moves to the next line.
    ~MigrateProgressDisplay() override;
    MigrateProgressDisplay(const MigrateProgressDisplay&) = delete;
    MigrateProgressDisplay& operator=(const MigrateProgressDisplay&) = delete;

    void write_around(const std::function<void()>& write_log_line) override;

private:
    void run();
    // Both with mutex_ held.
    void erase();
    void draw();

    const migrate::LoadProgress& progress_;
    const bool color_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    int drawn_lines_ = 0;  // lines of the frame on screen; the cursor is at the end of the last one
    std::thread thread_;
};

// Starts the display when `enabled` and stderr is a terminal; null otherwise (a piped or CI stderr keeps
// plain log lines and never gets an escape sequence or a carriage return).
std::unique_ptr<MigrateProgressDisplay> start_migrate_progress(const migrate::LoadProgress& progress, bool enabled, bool color);

}  // namespace aaiti::cli
