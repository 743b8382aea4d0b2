#include "tests/support/temp_dir.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <stdlib.h>

namespace aaiti::test {

TempDir::TempDir(std::string_view prefix) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/" + std::string(prefix) +
                          ".XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) {
        throw std::runtime_error("TempDir: mkdtemp " + pattern + ": " + std::strerror(errno));
    }
    path_ = buf.data();
}

TempDir::~TempDir() {
    if (path_.empty()) return;
    std::error_code ec;  // a destructor must not throw; a leftover in /tmp is harmless
    std::filesystem::remove_all(path_, ec);
}

std::string TempDir::release() {
    std::string p = path_.string();
    path_.clear();
    return p;
}

std::filesystem::path TempDir::write_file(std::string_view relative, std::string_view content) const {
    std::filesystem::path full = path_ / relative;
    write_text_file(full, content);
    return full;
}

std::string read_text_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("read_text_file: cannot open " + path.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_text_file(const std::filesystem::path& path, std::string_view content) {
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) throw std::runtime_error("write_text_file: cannot write " + path.string());
}

}  // namespace aaiti::test
