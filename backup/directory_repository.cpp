// The local-directory repository: plain files, fsync where durability matters, flock for the lock.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "backup/backup_id.h"
#include "backup/repository.h"
#include "common/error.h"

namespace aaiti::backup {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view k_manifest_name = "manifest.json";
constexpr std::string_view k_lock_name = ".lock";

std::string errno_text() { return std::strerror(errno); }

void fsync_path(const fs::path& path, int flags) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) throw IoError("cannot open " + path.string() + " to sync it: " + errno_text());
    const int rc = ::fsync(fd);
    const int saved = errno;
    ::close(fd);
    if (rc != 0) throw IoError("cannot sync " + path.string() + ": " + std::strerror(saved));
}

class FileWriter final : public DataWriter {
public:
    explicit FileWriter(fs::path path) : path_(std::move(path)) {
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd_ < 0) throw IoError("cannot create " + path_.string() + ": " + errno_text());
        // Held while it is being written: list() tells "running" from "incomplete" by it, and the
        // kernel drops it if the writer dies.
        ::flock(fd_, LOCK_EX | LOCK_NB);
    }
    ~FileWriter() override {
        if (fd_ >= 0) ::close(fd_);
    }
    void write(const void* data, std::size_t size) override {
        const char* p = static_cast<const char*>(data);
        while (size > 0) {
            const ssize_t n = ::write(fd_, p, size);
            if (n < 0) {
                if (errno == EINTR) continue;
                throw IoError("cannot write " + path_.string() + ": " + errno_text());
            }
            p += n;
            size -= static_cast<std::size_t>(n);
        }
    }
    void finish() override {
        if (::fsync(fd_) != 0) throw IoError("cannot sync " + path_.string() + ": " + errno_text());
        if (::close(fd_) != 0) {
            fd_ = -1;
            throw IoError("cannot close " + path_.string() + ": " + errno_text());
        }
        fd_ = -1;
    }

private:
    fs::path path_;
    int fd_ = -1;
};

class FileReader final : public DataReader {
public:
    explicit FileReader(fs::path path) : path_(std::move(path)) {
        fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) throw IoError("cannot open " + path_.string() + ": " + errno_text());
        ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
    }
    ~FileReader() override { ::close(fd_); }
    std::size_t read(void* buffer, std::size_t size) override {
        for (;;) {
            const ssize_t n = ::read(fd_, buffer, size);
            if (n >= 0) return static_cast<std::size_t>(n);
            if (errno != EINTR) throw IoError("cannot read " + path_.string() + ": " + errno_text());
        }
    }

private:
    fs::path path_;
    int fd_ = -1;
};

class FlockLock final : public RepositoryLock {
public:
    explicit FlockLock(int fd) : fd_(fd) {}
    ~FlockLock() override { ::close(fd_); }  // closing releases the flock

private:
    int fd_;
};

class DirectoryRepository final : public Repository {
public:
    explicit DirectoryRepository(fs::path root) : root_(std::move(root)) {}

    std::string describe() const override { return root_.string(); }

    std::vector<BackupEntry> list() const override {
        std::vector<BackupEntry> entries;
        std::error_code ec;
        for (const auto& item : fs::directory_iterator(root_, ec)) {
            const std::string name = item.path().filename().string();
            if (!item.is_directory() || !is_backup_id(name)) continue;
            BackupEntry entry;
            entry.id = name;
            const fs::path manifest_path = item.path() / k_manifest_name;
            if (fs::exists(manifest_path)) {
                try {
                    entry.manifest = manifest_from_json(read_file(manifest_path), manifest_path.string());
                    entry.state = BackupState::complete;
                } catch (const Error& e) {
                    entry.problem = e.what();
                }
            }
            entries.push_back(std::move(entry));
        }
        if (ec) throw IoError("cannot list backup repository " + root_.string() + ": " + ec.message());
        std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
        for (auto& entry : entries)
            if (entry.state == BackupState::incomplete && being_written(root_ / entry.id))
                entry.state = BackupState::running;
        return entries;
    }

    std::unique_ptr<DataWriter> create_data(std::string_view id, std::string_view file_name) override {
        const fs::path dir = root_ / std::string(id);
        std::error_code ec;
        if (!fs::create_directory(dir, ec))
            throw IoError("cannot create backup directory " + dir.string() + ": " +
                          (ec ? ec.message() : std::string("it already exists")));
        return std::make_unique<FileWriter>(dir / std::string(file_name));
    }

    std::unique_ptr<DataReader> open_data(std::string_view id, std::string_view file_name) const override {
        return std::make_unique<FileReader>(root_ / std::string(id) / std::string(file_name));
    }

    void commit_manifest(const Manifest& manifest) override {
        const fs::path dir = root_ / manifest.id;
        const fs::path temp = dir / (std::string(k_manifest_name) + ".tmp");
        {
            FileWriter writer(temp);
            const std::string text = manifest_to_json(manifest);
            writer.write(text.data(), text.size());
            writer.finish();
        }
        if (::rename(temp.c_str(), (dir / k_manifest_name).c_str()) != 0)
            throw IoError("cannot rename " + temp.string() + ": " + errno_text());
        fsync_path(dir, O_RDONLY | O_DIRECTORY);  // the rename itself must survive a crash
    }

    void remove(std::string_view id) override {
        if (!is_backup_id(id)) throw UsageError("not a backup id: " + std::string(id));
        const fs::path dir = root_ / std::string(id);
        // Manifest first: a removal cut short leaves an incomplete backup, never a "complete" one
        // with missing data.
        std::error_code ec;
        fs::remove(dir / k_manifest_name, ec);
        fs::remove_all(dir, ec);
        if (ec) throw IoError("cannot remove " + dir.string() + ": " + ec.message());
    }

    std::unique_ptr<RepositoryLock> lock(std::string_view purpose) override {
        const fs::path path = root_ / k_lock_name;
        const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) throw IoError("cannot open lock file " + path.string() + ": " + errno_text());
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            ::close(fd);
            throw OperationFailed("another backup or prune is running on " + root_.string() +
                                  " (lock " + path.string() + " is held); try again when it has finished");
        }
        // Record who holds it, for people looking at the file.
        const std::string holder = std::to_string(::getpid()) + " " + std::string(purpose) + "\n";
        if (::ftruncate(fd, 0) == 0) (void)!::write(fd, holder.data(), holder.size());
        return std::make_unique<FlockLock>(fd);
    }

private:
    static std::string read_file(const fs::path& path) {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw IoError("cannot read " + path.string());
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }

    // True while a live writer holds the flock on one of the backup's files.
    static bool being_written(const fs::path& dir) {
        std::error_code ec;
        for (const auto& item : fs::directory_iterator(dir, ec)) {
            const int fd = ::open(item.path().c_str(), O_RDONLY | O_CLOEXEC);
            if (fd < 0) continue;
            const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0;
            ::close(fd);
            if (held) return true;
        }
        return false;
    }

    fs::path root_;
};

}  // namespace

std::string_view to_string(BackupState state) {
    switch (state) {
        case BackupState::complete: return "complete";
        case BackupState::incomplete: return "incomplete";
        case BackupState::running: return "running";
    }
    return "unknown";
}

std::unique_ptr<Repository> open_directory_repository(const std::string& path, bool create) {
    if (path.empty()) throw UsageError("no backup repository: give --repo DIR (or backup.repository in aaiti.yaml)");
    std::error_code ec;
    if (create) {
        fs::create_directories(path, ec);
        if (ec) throw IoError("cannot create backup repository " + path + ": " + ec.message());
    } else if (!fs::is_directory(path, ec)) {
        throw IoError("backup repository " + path + " does not exist");
    }
    return std::make_unique<DirectoryRepository>(fs::path(path));
}

}  // namespace aaiti::backup
