#pragma once
// A private directory for one test, removed with everything in it when the object goes away.
#include <filesystem>
#include <string>
#include <string_view>

namespace aaiti::test {

class TempDir {
public:
    // Created under $TMPDIR (default /tmp) as <prefix>.XXXXXX, mode 0700.
    explicit TempDir(std::string_view prefix = "aaiti-test");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    // path() / relative
    std::filesystem::path operator/(std::string_view relative) const { return path_ / relative; }
    // Writes `content` to path() / relative (creating missing directories, see write_text_file) and
    // returns that path.
    std::filesystem::path write_file(std::string_view relative, std::string_view content) const;
    // Keeps the directory (e.g. to inspect a failure); returns its path.
    std::string release();

private:
    std::filesystem::path path_;
};

// Whole-file helpers for fixtures and assertions. Throw std::runtime_error naming the path on failure;
// write_text_file creates missing parent directories.
std::string read_text_file(const std::filesystem::path& path);
void write_text_file(const std::filesystem::path& path, std::string_view content);

}  // namespace aaiti::test
