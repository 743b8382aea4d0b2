#pragma once
// The bytes a repository stores for a dump: zstd (multi-threaded) then, unless --no-encrypt,
// libsodium secretstream (XChaCha20-Poly1305) in chunks, with SHA-256 over exactly what is stored.
//
// Stored format when encrypted: the 24-byte secretstream header, then for each chunk a 4-byte
// big-endian length followed by that many bytes of ciphertext (plaintext + 17). The last chunk carries
// TAG_FINAL, so a truncated file is detected as such rather than restored short.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "backup/key_material.h"
#include "backup/repository.h"

namespace aaiti::backup {

class StoredStreamWriter {
public:
    // `key` nullptr: compression only. Memory is bounded by the chunk size and zstd's window.
    StoredStreamWriter(DataWriter& out, const BackupKey* key, int compression_level, int jobs, std::uint32_t chunk_bytes);
    ~StoredStreamWriter();
    void write(const void* raw, std::size_t size);
    // Ends the zstd frame and the encrypted stream, then finish()es the DataWriter.
    void finish();

    std::uint64_t raw_bytes() const;
    std::uint64_t compressed_bytes() const;
    std::uint64_t stored_bytes() const;
    std::string sha256_hex() const;  // valid after finish()

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

class StoredStreamReader {
public:
    enum class Mode {
        check,       // authenticate and SHA-256 only, no decompression (restore's first pass, cheap)
        read,        // authenticate and decompress; no SHA-256 (restore's second pass: already checked)
        read_check,  // both (verify)
    };
    // Throws DataError on a tampered, truncated or corrupt stream, naming `what` (the backup id).
    StoredStreamReader(DataReader& in, const BackupKey* key, Mode mode, std::string what);
    ~StoredStreamReader();
    // Up to `size` raw (decompressed) bytes; 0 once the whole stream has been read and authenticated.
    std::size_t read(void* buffer, std::size_t size);
    // Reads to the end, discarding; returns the raw byte count.
    std::uint64_t drain();

    std::uint64_t raw_bytes() const;
    std::uint64_t stored_bytes() const;
    std::string sha256_hex() const;  // valid once read() returned 0, in the modes that hash

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace aaiti::backup
