#include "stack/native/log_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"

namespace aaiti::stack::native {
namespace {

int open_append(const std::string& path) { return ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640); }

}  // namespace

LogFile::LogFile(std::string path, std::size_t max_bytes) : path_(std::move(path)), max_bytes_(max_bytes), fd_(open_append(path_)) {
    if (fd_ < 0) throw IoError("up: cannot open " + path_ + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_, &st) == 0) size_ = static_cast<std::size_t>(st.st_size);
}

LogFile::~LogFile() {
    if (fd_ >= 0) ::close(fd_);
}

void LogFile::write(std::string_view text) {
    if (fd_ < 0) return;
    if (size_ + text.size() > max_bytes_ && size_ > 0) rotate();
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
    size_ += done;
}

void LogFile::rotate() {
    // The old generation is replaced; if renaming fails the file simply keeps growing.
    if (std::rename(path_.c_str(), (path_ + ".1").c_str()) != 0) return;
    const int fresh = open_append(path_);
    if (fresh < 0) return;
    ::close(fd_);
    fd_ = fresh;
    size_ = 0;
}

}  // namespace aaiti::stack::native
