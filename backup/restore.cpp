// restore: choose, check the key, authenticate + checksum everything, then pg_restore.
#include <sys/statvfs.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "backup/backup.h"
#include "backup/database.h"
#include "backup/key_material.h"
#include "backup/pg_tools.h"
#include "backup/selection.h"
#include "backup/stored_stream.h"
#include "common/error.h"
#include "common/logging.h"

namespace aaiti::backup {
namespace fs = std::filesystem;
namespace {

// The first pass: reads the whole stored file, authenticating every chunk and hashing what is
// stored, without decompressing. Cheap (it reads the compressed size) and it is what lets a restore
// promise that a wrong key or a modified file fails before the target is touched.
void check_stored_file(const Repository& repository, const Manifest& manifest, const BackupKey* key) {
    auto reader = repository.open_data(manifest.id, manifest.data_file);
    StoredStreamReader stream(*reader, key, StoredStreamReader::Mode::check, manifest.id);
    stream.drain();
    if (stream.stored_bytes() != manifest.stored_bytes)
        throw DataError("backup " + manifest.id + ": the stored file has " + std::to_string(stream.stored_bytes()) +
                        " bytes, the manifest says " + std::to_string(manifest.stored_bytes) + "; it was modified");
    if (stream.sha256_hex() != manifest.stored_sha256)
        throw DataError("backup " + manifest.id + ": SHA-256 of the stored file does not match the manifest; it was "
                        "modified or damaged");
}

class TemporaryFile {
public:
    TemporaryFile() {
        const fs::path dir = fs::temp_directory_path();
        std::string pattern = (dir / "aaiti-restore-XXXXXX").string();
        fd_ = ::mkstemp(pattern.data());
        if (fd_ < 0) throw IoError("cannot create a temporary file in " + dir.string());
        path_ = pattern;
    }
    ~TemporaryFile() {
        ::close(fd_);
        std::error_code ec;
        fs::remove(path_, ec);
    }
    void write(const void* data, std::size_t size) {
        const char* p = static_cast<const char*>(data);
        while (size > 0) {
            const ssize_t n = ::write(fd_, p, size);
            if (n < 0) throw IoError("cannot write " + path_.string() + " (is the temporary directory full?)");
            p += n;
            size -= static_cast<std::size_t>(n);
        }
    }
    const fs::path& path() const { return path_; }

private:
    int fd_ = -1;
    fs::path path_;
};

// Parallel restore needs the whole dump in a temporary file; without room for it, stream instead.
bool temporary_space_for(std::uint64_t bytes) {
    struct statvfs fs_info {};
    if (::statvfs(fs::temp_directory_path().c_str(), &fs_info) != 0) return false;
    const auto available = static_cast<std::uint64_t>(fs_info.f_bavail) * fs_info.f_frsize;
    return available > bytes + bytes / 20 + (64u << 20);
}

}  // namespace

RestoreResult restore_backup(const RestoreOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    if (options.jobs < 1) throw UsageError("-j must be at least 1");
    auto repository = open_directory_repository(options.repository, false);
    const auto entries = repository->list();
    const BackupEntry& entry =
        select_backup(entries, options.backup_id, options.latest, options.at_unix, repository->describe());
    const Manifest& manifest = *entry.manifest;
    const auto key = key_for_existing_backup(options.key, manifest.encryption, manifest.id);
    check_stored_file(*repository, manifest, key ? &*key : nullptr);

    // The target: created, or checked to be empty.
    const PgConnection target = split_connection(options.database_url);
    const PgConnection maintenance = with_database(target, "postgres");
    RestoreResult result;
    result.manifest = manifest;
    result.database = target.database;
    if (options.create) {
        if (database_exists(libpq_conninfo(maintenance), target.database)) {
            if (database_has_objects(libpq_conninfo(target)) && !options.force)
                throw OperationFailed("database " + target.database + " already exists and is not empty; restore "
                                      "refused (add --force to replace what it holds)");
        } else {
            create_database(libpq_conninfo(maintenance), target.database);
            result.created = true;
        }
    } else if (!options.force && options.tables.empty() && database_has_objects(libpq_conninfo(target))) {
        throw OperationFailed("database " + target.database + " is not empty; restore refused (add --force to drop "
                              "and replace the objects the backup holds, or --create with a new database name)");
    }
    const ServerFacts server = server_facts(libpq_conninfo(target));
    const std::string pg_restore = find_pg_tool("pg_restore", options.pg_bindir, server.major);

    std::vector<std::string> args = {"--exit-on-error", "--no-owner", "--dbname=" + target.conninfo};
    if (options.force) {
        args.push_back("--clean");
        args.push_back("--if-exists");
    }
    for (const auto& table : options.tables) args.push_back("--table=" + table);

    auto reader = repository->open_data(manifest.id, manifest.data_file);
    StoredStreamReader stream(*reader, key ? &*key : nullptr, StoredStreamReader::Mode::read, manifest.id);
    std::vector<char> buffer(1 << 20);
    std::uint64_t since_progress = 0;
    const auto report = [&](std::size_t n) {
        since_progress += n;
        if (options.progress && since_progress >= (8u << 20)) {
            options.progress(stream.raw_bytes(), stream.stored_bytes());
            since_progress = 0;
        }
    };

    int exit_code = 0;
    std::string errors;
    bool parallel = options.jobs > 1;
    if (parallel && !temporary_space_for(manifest.raw_bytes)) {
        logging::warn("not enough temporary space for a parallel restore; streaming into one pg_restore instead",
                      {{"needed_bytes", manifest.raw_bytes}, {"directory", fs::temp_directory_path().string()}});
        parallel = false;
    }
    if (parallel) {
        // pg_restore -j needs a seekable file.
        TemporaryFile dump;
        for (std::size_t n; (n = stream.read(buffer.data(), buffer.size())) > 0;) {
            dump.write(buffer.data(), n);
            report(n);
        }
        args.push_back("--jobs=" + std::to_string(options.jobs));
        args.push_back(dump.path().string());
        PgToolProcess process(pg_restore, args, target.password, PgToolProcess::Pipe::read_stdout);
        while (process.read(buffer.data(), buffer.size()) > 0) {
        }
        exit_code = process.wait();
        errors = process.stderr_text();
    } else {
        PgToolProcess process(pg_restore, args, target.password, PgToolProcess::Pipe::write_stdin);
        try {
            for (std::size_t n; (n = stream.read(buffer.data(), buffer.size())) > 0;) {
                process.write(buffer.data(), n);
                report(n);
            }
        } catch (const IoError&) {
            // pg_restore stopped early (--exit-on-error): its own message says why.
        }
        process.close_stdin();
        exit_code = process.wait();
        errors = process.stderr_text();
    }
    if (exit_code != 0)
        throw OperationFailed("pg_restore failed (exit " + std::to_string(exit_code) + ") restoring backup " +
                              manifest.id + " into " + target.database + ": " + errors);
    if (options.progress) options.progress(stream.raw_bytes(), stream.stored_bytes());
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
}

}  // namespace aaiti::backup
