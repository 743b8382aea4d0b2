// backup verify: re-read, authenticate, decompress and checksum; optionally restore into a scratch
// database and compare the row counts with the manifest.
#include <chrono>

#include "backup/backup.h"
#include "backup/database.h"
#include "backup/key_material.h"
#include "backup/pg_tools.h"
#include "backup/stored_stream.h"
#include "common/error.h"

namespace aaiti::backup {
namespace {

void check_stream(const Repository& repository, const Manifest& manifest, const BackupKey* key, VerifyOutcome& out) {
    auto reader = repository.open_data(manifest.id, manifest.data_file);
    StoredStreamReader stream(*reader, key, StoredStreamReader::Mode::read_check, manifest.id);
    const std::uint64_t raw = stream.drain();
    if (stream.stored_bytes() != manifest.stored_bytes)
        out.problems.push_back("stored size " + std::to_string(stream.stored_bytes()) + " bytes, manifest says " +
                               std::to_string(manifest.stored_bytes));
    if (stream.sha256_hex() != manifest.stored_sha256)
        out.problems.push_back("SHA-256 of the stored file does not match the manifest");
    if (raw != manifest.raw_bytes)
        out.problems.push_back("the dump decompresses to " + std::to_string(raw) + " bytes, manifest says " +
                               std::to_string(manifest.raw_bytes));
}

void restore_test(const VerifyOptions& options, const Manifest& manifest, VerifyOutcome& out) {
    if (options.database_url.empty())
        throw UsageError("--restore-test needs a server to restore into: --db URL (or the DB_* settings)");
    const PgConnection server = split_connection(options.database_url);
    const PgConnection maintenance = with_database(server, "postgres");
    std::string scratch = "aaiti_verify_" + manifest.id;
    for (char& c : scratch)
        if (c == '-') c = '_';
    drop_database(libpq_conninfo(maintenance), scratch);  // a leftover of an interrupted test

    RestoreOptions restore;
    restore.repository = options.repository;
    restore.key = options.key;
    restore.backup_id = manifest.id;
    restore.database_url = libpq_conninfo(with_database(server, scratch));
    restore.create = true;
    restore.pg_bindir = options.pg_bindir;
    try {
        restore_backup(restore);
        const auto restored = count_rows(libpq_conninfo(with_database(server, scratch)));
        for (const auto& expected : manifest.tables) {
            const TableRows* found = nullptr;
            for (const auto& t : restored)
                if (t.schema == expected.schema && t.name == expected.name) found = &t;
            if (!found)
                out.problems.push_back("table " + expected.schema + "." + expected.name + " missing after restore");
            else if (found->rows != expected.rows)
                out.problems.push_back("table " + expected.schema + "." + expected.name + ": " +
                                       std::to_string(found->rows) + " rows restored, manifest says " +
                                       std::to_string(expected.rows));
        }
    } catch (const Error& e) {
        out.problems.push_back(std::string("restore test failed: ") + e.what());
    }
    drop_database(libpq_conninfo(maintenance), scratch);
    out.restore_tested = true;
}

}  // namespace

std::vector<VerifyOutcome> verify_backups(const VerifyOptions& options) {
    auto repository = open_directory_repository(options.repository, false);
    const auto entries = repository->list();
    std::vector<const BackupEntry*> chosen;
    if (options.all) {
        for (const auto& e : entries) chosen.push_back(&e);
    } else if (options.backup_ids.empty()) {
        for (const auto& e : entries)
            if (e.state == BackupState::complete) chosen = {&e};
        if (chosen.empty()) throw OperationFailed("no complete backup in " + repository->describe());
    } else {
        for (const auto& id : options.backup_ids) {
            const BackupEntry* found = nullptr;
            for (const auto& e : entries)
                if (e.id == id) found = &e;
            if (!found) throw OperationFailed("no backup " + id + " in " + repository->describe());
            chosen.push_back(found);
        }
    }

    std::vector<VerifyOutcome> outcomes;
    for (const BackupEntry* entry : chosen) {
        const auto started = std::chrono::steady_clock::now();
        VerifyOutcome out;
        out.id = entry->id;
        if (entry->state != BackupState::complete) {
            out.problems.push_back("backup is " + std::string(to_string(entry->state)) +
                                   (entry->problem.empty() ? " (no manifest)" : " (" + entry->problem + ")"));
        } else {
            try {
                const auto key = key_for_existing_backup(options.key, entry->manifest->encryption, entry->id);
                check_stream(*repository, *entry->manifest, key ? &*key : nullptr, out);
                if (out.problems.empty() && options.restore_test) restore_test(options, *entry->manifest, out);
            } catch (const DataError& e) {
                out.problems.push_back(e.what());
            } catch (const IoError& e) {
                out.problems.push_back(e.what());
            }
        }
        out.ok = out.problems.empty();
        out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        outcomes.push_back(std::move(out));
    }
    return outcomes;
}

}  // namespace aaiti::backup
