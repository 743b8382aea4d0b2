// backup create: pg_dump -> zstd -> secretstream -> repository, manifest last.
#include <chrono>
#include <future>
#include <vector>

#include "backup/backup.h"
#include "backup/backup_id.h"
#include "backup/database.h"
#include "backup/key_material.h"
#include "backup/pg_tools.h"
#include "backup/stored_stream.h"
#include "build_info.h"
#include "common/error.h"
#include "common/logging.h"

namespace aaiti::backup {
namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string data_file_name(bool encrypted) { return encrypted ? "dump.zst.enc" : "dump.zst"; }

// Removes the partial backup unless it was committed: a failed run leaves nothing behind that
// could be mistaken for a backup (and frees the space a full disk needs back).
class PartialBackup {
public:
    PartialBackup(Repository& repository, std::string id) : repository_(repository), id_(std::move(id)) {}
    ~PartialBackup() {
        if (committed_) return;
        try {
            repository_.remove(id_);
        } catch (const std::exception& e) {
            logging::warn("could not remove the partial backup", {{"id", id_}, {"error", e.what()}});
        }
    }
    void committed() { committed_ = true; }

private:
    Repository& repository_;
    std::string id_;
    bool committed_ = false;
};

}  // namespace

CreateResult create_backup(const CreateOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    auto repository = open_directory_repository(options.repository, true);
    const auto lock = repository->lock("backup create");

    Manifest manifest;
    const auto key = key_for_new_backup(options.key, manifest.encryption);
    const PgConnection connection = split_connection(options.database_url);
    SnapshotSession snapshot(libpq_conninfo(connection));
    const std::string pg_dump = find_pg_tool("pg_dump", options.pg_bindir, snapshot.server().major);

    manifest.started_at_ms = now_ms();
    manifest.id = make_backup_id(manifest.started_at_ms);
    manifest.label = options.label;
    manifest.database = connection.database;
    manifest.server = connection.server;
    manifest.server_version = snapshot.server().version;
    manifest.tool_version = std::string(build_info::k_version);
    manifest.compression_level = options.compression_level;
    manifest.data_file = data_file_name(key.has_value());

    auto writer = repository->create_data(manifest.id, manifest.data_file);
    PartialBackup partial(*repository, manifest.id);
    StoredStreamWriter stream(*writer, key ? &*key : nullptr, options.compression_level, options.jobs,
                              manifest.encryption.chunk_bytes);

    // Row counts run in the exported snapshot while pg_dump reads the same one.
    auto counts = std::async(std::launch::async, [&snapshot] { return snapshot.count_rows(); });
    PgToolProcess dump(pg_dump,
                       {"--format=custom", "--compress=0", "--no-sync", "--snapshot=" + snapshot.snapshot_id(),
                        "--dbname=" + connection.conninfo},
                       connection.password, PgToolProcess::Pipe::read_stdout);
    std::vector<char> buffer(1 << 20);
    std::uint64_t since_progress = 0;
    try {
        for (;;) {
            const std::size_t n = dump.read(buffer.data(), buffer.size());
            if (n == 0) break;
            stream.write(buffer.data(), n);
            since_progress += n;
            if (options.progress && since_progress >= (8u << 20)) {
                options.progress(stream.raw_bytes(), stream.stored_bytes());
                since_progress = 0;
            }
        }
    } catch (...) {
        counts.wait();
        throw;
    }
    const int exit_code = dump.wait();
    manifest.tables = counts.get();
    if (exit_code != 0)
        throw OperationFailed("pg_dump failed (exit " + std::to_string(exit_code) + "): " + dump.stderr_text() +
                              "; no backup was recorded");
    if (stream.raw_bytes() == 0) throw OperationFailed("pg_dump wrote nothing; no backup was recorded");
    stream.finish();
    if (options.progress) options.progress(stream.raw_bytes(), stream.stored_bytes());

    manifest.raw_bytes = stream.raw_bytes();
    manifest.compressed_bytes = stream.compressed_bytes();
    manifest.stored_bytes = stream.stored_bytes();
    manifest.stored_sha256 = stream.sha256_hex();
    manifest.finished_at_ms = now_ms();
    repository->commit_manifest(manifest);
    partial.committed();

    CreateResult result;
    result.manifest = std::move(manifest);
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
}

std::vector<BackupEntry> list_backups(const std::string& repository) {
    return open_directory_repository(repository, false)->list();
}

}  // namespace aaiti::backup
