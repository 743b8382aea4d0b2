#pragma once
// Logging for the CLI and the services, on spdlog (kept out of this header).
// Services write one JSON object per line: {"ts","level","msg", ...fields}. The CLI writes readable,
// optionally coloured lines on a terminal and JSON with --log-format json. Every message and string
// field passes through mask_secrets_in_text before it is written.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace aaiti::logging {

enum class Level { trace, debug, info, warn, error, critical, off };
enum class Format { text, json };

struct Options {
    Level level = Level::info;
    Format format = Format::text;
    bool no_color = false;  // --no-color; NO_COLOR in the environment and a non-terminal stderr also disable colour
};

// Configures the process-wide logger (stderr). Safe to call again to change settings.
void setup(const Options& options);

// "trace|debug|info|warn|error|critical|off" -> Level; throws ConfigError listing the accepted names.
Level parse_level(std::string_view name);
// "text|json" -> Format; throws ConfigError listing the accepted names.
Format parse_format(std::string_view name);

// True when coloured output should be written to the stream `fd` (NO_COLOR unset, no --no-color, a terminal).
bool use_color(int fd, bool no_color_flag);

struct Field {
    std::string key;
    std::variant<std::string, std::int64_t, double, bool> value;
    Field(std::string k, std::string v) : key(std::move(k)), value(std::move(v)) {}
    Field(std::string k, const char* v) : key(std::move(k)), value(std::string(v)) {}
    Field(std::string k, std::string_view v) : key(std::move(k)), value(std::string(v)) {}
    Field(std::string k, std::int64_t v) : key(std::move(k)), value(v) {}
    Field(std::string k, int v) : key(std::move(k)), value(std::int64_t{v}) {}
    Field(std::string k, unsigned v) : key(std::move(k)), value(std::int64_t{v}) {}
    Field(std::string k, std::uint64_t v) : key(std::move(k)), value(static_cast<std::int64_t>(v)) {}
    Field(std::string k, double v) : key(std::move(k)), value(v) {}
    Field(std::string k, bool v) : key(std::move(k)), value(v) {}
};
using Fields = std::vector<Field>;

bool enabled(Level level);
void log(Level level, std::string_view message, const Fields& fields = {});
inline void debug(std::string_view m, const Fields& f = {}) { log(Level::debug, m, f); }
inline void info(std::string_view m, const Fields& f = {}) { log(Level::info, m, f); }
inline void warn(std::string_view m, const Fields& f = {}) { log(Level::warn, m, f); }
inline void error(std::string_view m, const Fields& f = {}) { log(Level::error, m, f); }

// Something that owns the last lines of stderr on a terminal (a progress display). While one is set, each
// log line is written inside write_around(): the overlay erases itself, writes the line, draws itself again,
// so a log line never lands in the middle of a half-drawn bar.
class StderrOverlay {
public:
    virtual ~StderrOverlay() = default;
    virtual void write_around(const std::function<void()>& write_log_line) = 0;
};
// Null removes it. Returns only once no log call is still inside the previous overlay, so it can be destroyed.
void set_stderr_overlay(StderrOverlay* overlay);

// Formats one record as a JSON line (no trailing newline); exposed for tests and for services that
// write access logs themselves. `ts` is UTC ISO 8601 with milliseconds.
std::string format_json_line(Level level, std::string_view message, const Fields& fields);

}  // namespace aaiti::logging
