#include "common/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/secrets.h"

namespace aaiti::logging {
namespace {

spdlog::level::level_enum to_spdlog(Level level) {
    switch (level) {
        case Level::trace: return spdlog::level::trace;
        case Level::debug: return spdlog::level::debug;
        case Level::info: return spdlog::level::info;
        case Level::warn: return spdlog::level::warn;
        case Level::error: return spdlog::level::err;
        case Level::critical: return spdlog::level::critical;
        case Level::off: return spdlog::level::off;
    }
    return spdlog::level::info;
}

const char* level_name(Level level) {
    switch (level) {
        case Level::trace: return "trace";
        case Level::debug: return "debug";
        case Level::info: return "info";
        case Level::warn: return "warn";
        case Level::error: return "error";
        case Level::critical: return "critical";
        case Level::off: return "off";
    }
    return "info";
}

std::string utc_timestamp() {
    const auto now = std::chrono::system_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms));
    return buf;
}

// Read on every log call (services log every request), so the hot fields are atomics; setup() is
// rare and keeps every logger it ever made alive so a concurrent log() never sees a dangling one.
struct State {
    std::mutex setup_mutex;
    std::vector<std::shared_ptr<spdlog::logger>> loggers;
    std::atomic<spdlog::logger*> current{nullptr};
    std::atomic<Format> format{Format::text};
    std::atomic<Level> level{Level::info};
    // Taken only while an overlay is set (rare: the CLI on a terminal), so services never lock here.
    std::mutex overlay_mutex;
    StderrOverlay* overlay = nullptr;
    std::atomic<bool> overlay_set{false};
};

State& state() {
    static State s;
    return s;
}

std::shared_ptr<spdlog::logger> make_logger(Format format, bool color, Level level) {
    auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>(color ? spdlog::color_mode::always
                                                                            : spdlog::color_mode::never);
    auto logger = std::make_shared<spdlog::logger>("aaiti", sink);
    logger->set_pattern(format == Format::json ? "%v" : "%H:%M:%S.%e %^%-5l%$ %v");
    logger->set_level(to_spdlog(level));
    logger->flush_on(spdlog::level::warn);
    return logger;
}

spdlog::logger& current_logger() {
    State& s = state();
    if (spdlog::logger* l = s.current.load(std::memory_order_acquire)) return *l;
    std::lock_guard lock(s.setup_mutex);
    if (!s.current.load()) {
        s.loggers.push_back(make_logger(s.format.load(), false, s.level.load()));
        s.current.store(s.loggers.back().get(), std::memory_order_release);
    }
    return *s.current.load();
}

// key=value pairs for readable lines; values with spaces are quoted.
std::string format_text_fields(const Fields& fields) {
    std::string out;
    for (const auto& f : fields) {
        out += ' ';
        out += f.key;
        out += '=';
        std::visit(
            [&](const auto& v) {
                using T = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<T, std::string>) {
                    const std::string masked = mask_secrets_in_text(v);
                    if (masked.find_first_of(" \t\"") != std::string::npos || masked.empty())
                        out += '"' + masked + '"';
                    else
                        out += masked;
                } else if constexpr (std::is_same_v<T, bool>) {
                    out += v ? "true" : "false";
                } else {
                    out += fmt::format("{}", v);
                }
            },
            f.value);
    }
    return out;
}

}  // namespace

bool use_color(int fd, bool no_color_flag) {
    if (no_color_flag) return false;
    const char* no_color = std::getenv("NO_COLOR");
    if (no_color && *no_color) return false;  // https://no-color.org: any non-empty value
    const char* term = std::getenv("TERM");
    if (term && std::string_view(term) == "dumb") return false;
    return ::isatty(fd) == 1;
}

void setup(const Options& options) {
    State& s = state();
    std::lock_guard lock(s.setup_mutex);
    const bool color = options.format == Format::text && use_color(STDERR_FILENO, options.no_color);
    s.loggers.push_back(make_logger(options.format, color, options.level));
    s.format.store(options.format);
    s.level.store(options.level);
    s.current.store(s.loggers.back().get(), std::memory_order_release);
}

Level parse_level(std::string_view name) {
    if (name == "trace") return Level::trace;
    if (name == "debug") return Level::debug;
    if (name == "info") return Level::info;
    if (name == "warn" || name == "warning") return Level::warn;
    if (name == "error") return Level::error;
    if (name == "critical") return Level::critical;
    if (name == "off") return Level::off;
    throw ConfigError("log level \"" + std::string(name) + "\" is not known; use trace, debug, info, warn, error, critical or off");
}

Format parse_format(std::string_view name) {
    if (name == "text") return Format::text;
    if (name == "json") return Format::json;
    throw ConfigError("log format \"" + std::string(name) + "\" is not known; use text or json");
}

bool enabled(Level level) {
    return level != Level::off && level >= state().level.load(std::memory_order_relaxed);
}

std::string format_json_line(Level level, std::string_view message, const Fields& fields) {
    nlohmann::json line = nlohmann::json::object();
    line["ts"] = utc_timestamp();
    line["level"] = level_name(level);
    line["msg"] = mask_secrets_in_text(message);
    for (const auto& f : fields) {
        std::visit(
            [&](const auto& v) {
                using T = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<T, std::string>)
                    line[f.key] = mask_secrets_in_text(v);
                else
                    line[f.key] = v;
            },
            f.value);
    }
    // Raw SQLite text or request paths may hold invalid UTF-8: replace it rather than throw.
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void set_stderr_overlay(StderrOverlay* overlay) {
    State& s = state();
    std::lock_guard lock(s.overlay_mutex);
    s.overlay = overlay;
    s.overlay_set.store(overlay != nullptr);
}

void log(Level level, std::string_view message, const Fields& fields) {
    if (!enabled(level)) return;
    spdlog::logger& logger = current_logger();
    const auto write = [&] {
        if (state().format.load(std::memory_order_relaxed) == Format::json)
            logger.log(to_spdlog(level), "{}", format_json_line(level, message, fields));
        else
            logger.log(to_spdlog(level), "{}{}", mask_secrets_in_text(message), format_text_fields(fields));
    };
    State& s = state();
    if (!s.overlay_set.load(std::memory_order_acquire)) return write();
    std::lock_guard lock(s.overlay_mutex);
    if (!s.overlay) return write();
    s.overlay->write_around([&] {
        write();
        logger.flush();  // on stderr before the overlay draws again
    });
}

}  // namespace aaiti::logging
