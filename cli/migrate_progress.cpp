#include "migrate_progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace aaiti::cli {
namespace {

// The terminal's width now (it may be resized while we draw); 80 when it cannot be asked.
int terminal_width() {
    winsize ws{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return 80;
}

// One write(2) per frame, so the terminal never shows half of one; stderr's FILE buffer is bypassed
// (logging flushes its own before we draw again).
void write_all(const std::string& s) {
    std::size_t done = 0;
    while (done < s.size()) {
        const ssize_t n = ::write(STDERR_FILENO, s.data() + done, s.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // a closed terminal: the display is best effort
        done += static_cast<std::size_t>(n);
    }
}

// Back to the start of the frame: carriage return, up to its first line, clear to the end of the screen.
std::string erase_sequence(int lines) {
    if (lines == 0) return {};
    std::string s = "\r";
    if (lines > 1) s += "\x1b[" + std::to_string(lines - 1) + "A";
    return s + "\x1b[J";
}

}  // namespace

MigrateProgressDisplay::MigrateProgressDisplay(const migrate::LoadProgress& progress, bool color)
    : progress_(progress), color_(color) {
    {
        std::lock_guard lock(mutex_);
        draw();
    }
    thread_ = std::thread([this] { run(); });
    logging::set_stderr_overlay(this);
}

MigrateProgressDisplay::~MigrateProgressDisplay() {
    logging::set_stderr_overlay(nullptr);
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
    std::lock_guard lock(mutex_);
    draw();
    write_all("\n");
    drawn_lines_ = 0;
}

void MigrateProgressDisplay::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        // 10 frames a second at most: enough to look live, cheap next to the load.
        if (wake_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stopping_; })) break;
        draw();
    }
}

void MigrateProgressDisplay::erase() {
    write_all(erase_sequence(drawn_lines_));
    drawn_lines_ = 0;
}

void MigrateProgressDisplay::draw() {
    const auto lines = migrate::format_progress(progress_.snapshot(), terminal_width() - 1, color_);
    std::string frame = erase_sequence(drawn_lines_);
    for (std::size_t i = 0; i < lines.size(); ++i) frame += (i ? "\n" : "") + lines[i];
    write_all(frame);
    drawn_lines_ = static_cast<int>(lines.size());
}

void MigrateProgressDisplay::write_around(const std::function<void()>& write_log_line) {
    std::lock_guard lock(mutex_);
    erase();
    write_log_line();
    std::fflush(stderr);
    draw();
}

std::unique_ptr<MigrateProgressDisplay> start_migrate_progress(const migrate::LoadProgress& progress, bool enabled, bool color) {
    if (!enabled || ::isatty(STDERR_FILENO) != 1) return nullptr;
    // A dumb terminal cannot move the cursor up: the frames would pile up as garbage.
    if (const char* term = std::getenv("TERM"); term && std::string_view(term) == "dumb") return nullptr;
    return std::make_unique<MigrateProgressDisplay>(progress, color);
}

}  // namespace aaiti::cli
