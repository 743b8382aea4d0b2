#pragma once
// An append-only log that cannot fill the disk: past `max_bytes` it is renamed to <path>.1 (replacing the
// previous one) and a new file starts, so at most twice `max_bytes` is kept per log.
#include <cstddef>
#include <string>
#include <string_view>

namespace aaiti::stack::native {

class LogFile {
public:
    static constexpr std::size_t k_default_max_bytes = 32u << 20;

    // Throws IoError naming the path when it cannot be opened.
    explicit LogFile(std::string path, std::size_t max_bytes = k_default_max_bytes);
    ~LogFile();
    LogFile(const LogFile&) = delete;
    LogFile& operator=(const LogFile&) = delete;

    // Never throws: a full disk must not stop the supervisor (the text is then lost).
    void write(std::string_view text);

private:
    void rotate();

    std::string path_;
    std::size_t max_bytes_;
    std::size_t size_ = 0;
    int fd_ = -1;
};

}  // namespace aaiti::stack::native
