#pragma once
// The manifest: the one file that makes a backup complete. Written last, atomically (temp file,
// fsync, rename, fsync of the directory), so a crash at any moment leaves either no manifest (the
// backup is listed as incomplete and never restored) or a whole one.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aaiti::backup {

inline constexpr int k_manifest_format_version = 1;

struct TableRows {
    std::string schema;
    std::string name;
    std::int64_t rows = 0;
};

// How the stored stream is encrypted. Never holds the key: only what is needed to find or derive it
// again and to tell a wrong one before decrypting anything.
struct EncryptionInfo {
    std::string cipher = "none";  // "none" | "xchacha20poly1305-secretstream"
    std::string kdf;              // "key-file" | "argon2id"
    std::string key_id;           // 16 hex digits of a keyed BLAKE2b of the key
    std::string salt_hex;         // argon2id only
    std::uint64_t opslimit = 0;   // argon2id only
    std::uint64_t memlimit = 0;   // argon2id only
    std::uint32_t chunk_bytes = 0;

    bool encrypted() const { return cipher != "none"; }
};

struct Manifest {
    int format_version = k_manifest_format_version;
    std::string id;
    std::string label;
    std::string database;        // database name
    std::string server;          // host:port (never credentials)
    std::string server_version;  // "15.8"
    std::string tool_version;    // aaitictl version that wrote it
    std::int64_t started_at_ms = 0;   // Unix milliseconds
    std::int64_t finished_at_ms = 0;
    std::string dump_format = "custom";  // pg_dump -Fc, uncompressed inside
    std::string compression = "zstd";
    int compression_level = 0;
    std::string data_file;               // inside the backup's directory
    std::uint64_t raw_bytes = 0;         // what pg_dump wrote
    std::uint64_t compressed_bytes = 0;  // after zstd
    std::uint64_t stored_bytes = 0;      // after encryption framing: the file's size
    std::string stored_sha256;           // hex, over the stored file
    EncryptionInfo encryption;
    std::vector<TableRows> tables;
};

std::string manifest_to_json(const Manifest& manifest);
// Throws DataError naming `where` when the text is not a manifest this version understands.
Manifest manifest_from_json(std::string_view text, std::string_view where);

}  // namespace aaiti::backup
