#pragma once
// Where backups live. An interface so an object store can be added next to the directory one; the
// rest of the library only sees "write a data file, commit a manifest, list, read, remove, lock".
//
// Directory layout:   <repo>/<id>/<data file>   <repo>/<id>/manifest.json   <repo>/.lock
// A backup directory without manifest.json is incomplete: listed, never restored, removed by prune.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backup/manifest.h"

namespace aaiti::backup {

enum class BackupState { complete, incomplete, running };
std::string_view to_string(BackupState state);

struct BackupEntry {
    std::string id;
    BackupState state = BackupState::incomplete;
    std::optional<Manifest> manifest;  // complete backups only
    std::string problem;               // why an entry with a manifest file is not complete (unreadable...)
};

class DataWriter {
public:
    virtual ~DataWriter() = default;
    // Throws IoError (disk full, ...) naming the file.
    virtual void write(const void* data, std::size_t size) = 0;
    // Flushes and fsyncs; the data is durable when this returns.
    virtual void finish() = 0;
};

class DataReader {
public:
    virtual ~DataReader() = default;
    // Up to `size` bytes; 0 at the end. Throws IoError.
    virtual std::size_t read(void* buffer, std::size_t size) = 0;
};

// Held while a backup, prune or restore-from-repository runs; released on destruction (and by the
// kernel if the process dies).
class RepositoryLock {
public:
    virtual ~RepositoryLock() = default;
};

class Repository {
public:
    virtual ~Repository() = default;
    virtual std::string describe() const = 0;  // for messages: the directory path

    // Every backup, oldest first (ids sort by time).
    virtual std::vector<BackupEntry> list() const = 0;
    virtual std::unique_ptr<DataWriter> create_data(std::string_view id, std::string_view file_name) = 0;
    virtual std::unique_ptr<DataReader> open_data(std::string_view id, std::string_view file_name) const = 0;
    // Makes the backup complete: the manifest is written atomically.
    virtual void commit_manifest(const Manifest& manifest) = 0;
    virtual void remove(std::string_view id) = 0;
    // Throws OperationFailed "another backup or prune is running on <repo>" when held elsewhere.
    virtual std::unique_ptr<RepositoryLock> lock(std::string_view purpose) = 0;
};

// `create`: make the directory when missing (backup create); otherwise a missing directory is an
// IoError naming it.
std::unique_ptr<Repository> open_directory_repository(const std::string& path, bool create);

}  // namespace aaiti::backup
