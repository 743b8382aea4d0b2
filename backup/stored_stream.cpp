#include "backup/stored_stream.h"

#include <openssl/evp.h>
#include <sodium.h>
#include <zstd.h>

#include <stdexcept>
#include <vector>

#include "common/error.h"

namespace aaiti::backup {
namespace {

constexpr std::size_t k_length_prefix = 4;

class Sha256 {
public:
    Sha256() : ctx_(EVP_MD_CTX_new()) {
        if (!ctx_ || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) throw std::runtime_error("SHA-256 init failed");
    }
    ~Sha256() { EVP_MD_CTX_free(ctx_); }
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    void update(const void* data, std::size_t size) { EVP_DigestUpdate(ctx_, data, size); }
    std::string finish_hex() {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int length = 0;
        EVP_DigestFinal_ex(ctx_, digest, &length);
        static constexpr char k_hex[] = "0123456789abcdef";
        std::string out;
        for (unsigned i = 0; i < length; ++i) {
            out.push_back(k_hex[digest[i] >> 4]);
            out.push_back(k_hex[digest[i] & 0x0F]);
        }
        return out;
    }

private:
    EVP_MD_CTX* ctx_;
};

void put_u32(unsigned char* p, std::uint32_t v) {
    p[0] = static_cast<unsigned char>(v >> 24);
    p[1] = static_cast<unsigned char>(v >> 16);
    p[2] = static_cast<unsigned char>(v >> 8);
    p[3] = static_cast<unsigned char>(v);
}

std::uint32_t get_u32(const unsigned char* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
struct StoredStreamWriter::Impl {
    DataWriter& out;
    const BackupKey* key;
    ZSTD_CCtx* zstd = nullptr;
    crypto_secretstream_xchacha20poly1305_state state{};
    std::vector<unsigned char> zstd_out;    // one zstd output buffer
    std::vector<unsigned char> plain;       // compressed bytes waiting to fill a chunk
    std::vector<unsigned char> sealed;      // length prefix + ciphertext of one chunk
    std::uint32_t chunk_bytes;
    std::uint64_t raw = 0, compressed = 0, stored = 0;
    Sha256 sha;
    std::string sha_hex;

    Impl(DataWriter& o, const BackupKey* k, std::uint32_t chunk) : out(o), key(k), chunk_bytes(chunk) {}
    ~Impl() { ZSTD_freeCCtx(zstd); }

    void store(const unsigned char* data, std::size_t size) {
        out.write(data, size);
        sha.update(data, size);
        stored += size;
    }

    void seal(bool final) {
        const std::size_t cipher_size = plain.size() + crypto_secretstream_xchacha20poly1305_ABYTES;
        sealed.resize(k_length_prefix + cipher_size);
        put_u32(sealed.data(), static_cast<std::uint32_t>(cipher_size));
        crypto_secretstream_xchacha20poly1305_push(
            &state, sealed.data() + k_length_prefix, nullptr, plain.data(), plain.size(), nullptr, 0,
            final ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
        store(sealed.data(), sealed.size());
        plain.clear();
    }

    // Compressed bytes go to the file directly, or through chunk-sized encryption.
    void emit(const unsigned char* data, std::size_t size) {
        compressed += size;
        if (!key) {
            store(data, size);
            return;
        }
        while (size > 0) {
            const std::size_t take = std::min<std::size_t>(size, chunk_bytes - plain.size());
            plain.insert(plain.end(), data, data + take);
            data += take;
            size -= take;
            if (plain.size() == chunk_bytes) seal(false);
        }
    }

    void compress(const void* data, std::size_t size, ZSTD_EndDirective mode) {
        ZSTD_inBuffer in{data, size, 0};
        for (;;) {
            ZSTD_outBuffer o{zstd_out.data(), zstd_out.size(), 0};
            const std::size_t remaining = ZSTD_compressStream2(zstd, &o, &in, mode);
            if (ZSTD_isError(remaining)) throw std::runtime_error(std::string("zstd: ") + ZSTD_getErrorName(remaining));
            emit(zstd_out.data(), o.pos);
            const bool done = mode == ZSTD_e_continue ? in.pos == in.size : remaining == 0;
            if (done) break;
        }
    }
};

StoredStreamWriter::StoredStreamWriter(DataWriter& out, const BackupKey* key, int compression_level, int jobs,
                                       std::uint32_t chunk_bytes)
    : impl_(std::make_unique<Impl>(out, key, chunk_bytes == 0 ? (1u << 20) : chunk_bytes)) {
    impl_->zstd = ZSTD_createCCtx();
    if (!impl_->zstd) throw std::runtime_error("zstd: cannot allocate a compression context");
    ZSTD_CCtx_setParameter(impl_->zstd, ZSTD_c_compressionLevel, compression_level);
    // Workers compress in the background while this thread reads pg_dump and encrypts.
    if (jobs > 1) ZSTD_CCtx_setParameter(impl_->zstd, ZSTD_c_nbWorkers, jobs);
    ZSTD_CCtx_setParameter(impl_->zstd, ZSTD_c_checksumFlag, 1);
    impl_->zstd_out.resize(ZSTD_CStreamOutSize());
    if (key) {
        if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
        unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
        crypto_secretstream_xchacha20poly1305_init_push(&impl_->state, header, key->bytes.data());
        impl_->store(header, sizeof header);
        impl_->plain.reserve(impl_->chunk_bytes);
    }
}

StoredStreamWriter::~StoredStreamWriter() = default;

void StoredStreamWriter::write(const void* raw, std::size_t size) {
    impl_->raw += size;
    impl_->compress(raw, size, ZSTD_e_continue);
}

void StoredStreamWriter::finish() {
    impl_->compress(nullptr, 0, ZSTD_e_end);
    if (impl_->key) impl_->seal(true);
    impl_->out.finish();
    impl_->sha_hex = impl_->sha.finish_hex();
}

std::uint64_t StoredStreamWriter::raw_bytes() const { return impl_->raw; }
std::uint64_t StoredStreamWriter::compressed_bytes() const { return impl_->compressed; }
std::uint64_t StoredStreamWriter::stored_bytes() const { return impl_->stored; }
std::string StoredStreamWriter::sha256_hex() const { return impl_->sha_hex; }

// ---------------------------------------------------------------------------------------------------
struct StoredStreamReader::Impl {
    DataReader& in;
    const BackupKey* key;
    bool decompress;
    bool hash;
    std::string what;
    ZSTD_DCtx* zstd = nullptr;
    crypto_secretstream_xchacha20poly1305_state state{};
    std::vector<unsigned char> stored_buffer;  // raw file bytes (unencrypted streams)
    std::vector<unsigned char> cipher;         // one chunk of ciphertext
    std::vector<unsigned char> plain;          // compressed bytes ready for zstd
    std::size_t plain_pos = 0;
    bool source_done = false;                  // final chunk seen (or EOF when not encrypted)
    bool frame_done = false;                   // zstd reported the end of its frame
    bool finished = false;
    std::uint64_t raw = 0, stored = 0;
    Sha256 sha;
    std::string sha_hex;

    Impl(DataReader& i, const BackupKey* k, Mode mode, std::string w)
        : in(i), key(k), decompress(mode != Mode::check), hash(mode != Mode::read), what(std::move(w)) {}
    ~Impl() { ZSTD_freeDCtx(zstd); }

    [[noreturn]] void corrupt(const std::string& why) { throw DataError("backup " + what + ": " + why); }

    // Exactly `size` bytes, or fewer only at the end of the file.
    std::size_t read_exact(unsigned char* buffer, std::size_t size) {
        std::size_t got = 0;
        while (got < size) {
            const std::size_t n = in.read(buffer + got, size - got);
            if (n == 0) break;
            got += n;
        }
        if (hash) sha.update(buffer, got);
        stored += got;
        return got;
    }

    void open() {
        if (!key) return;
        unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
        if (read_exact(header, sizeof header) != sizeof header) corrupt("the file is truncated (no encryption header)");
        if (crypto_secretstream_xchacha20poly1305_init_pull(&state, header, key->bytes.data()) != 0)
            corrupt("invalid encryption header");
    }

    // Refills `plain` with the next compressed bytes; false at the authenticated end.
    bool refill() {
        plain.clear();
        plain_pos = 0;
        if (source_done) return false;
        if (!key) {
            plain.resize(1 << 20);
            const std::size_t n = read_exact(plain.data(), plain.size());
            plain.resize(n);
            if (n == 0) source_done = true;
            return n > 0;
        }
        unsigned char prefix[k_length_prefix];
        const std::size_t got = read_exact(prefix, sizeof prefix);
        if (got == 0) corrupt("the file is truncated: it ends before its final encrypted chunk");
        if (got != sizeof prefix) corrupt("the file is truncated inside a chunk header");
        const std::uint32_t length = get_u32(prefix);
        if (length < crypto_secretstream_xchacha20poly1305_ABYTES || length > (64u << 20))
            corrupt("a chunk length is implausible (" + std::to_string(length) + " bytes): the file is damaged");
        cipher.resize(length);
        if (read_exact(cipher.data(), length) != length) corrupt("the file is truncated inside an encrypted chunk");
        plain.resize(length - crypto_secretstream_xchacha20poly1305_ABYTES);
        unsigned char tag = 0;
        unsigned long long plain_length = 0;
        if (crypto_secretstream_xchacha20poly1305_pull(&state, plain.data(), &plain_length, &tag, cipher.data(),
                                                       cipher.size(), nullptr, 0) != 0)
            corrupt("authentication failed at byte " + std::to_string(stored - length - k_length_prefix) +
                    ": the file was modified or damaged");
        plain.resize(plain_length);
        if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
            source_done = true;
            unsigned char extra;
            if (read_exact(&extra, 1) != 0) corrupt("data follows the final encrypted chunk: the file was modified");
        }
        return true;
    }

    std::size_t read(unsigned char* buffer, std::size_t size) {
        if (finished) return 0;
        if (!decompress) {
            while (plain_pos >= plain.size())
                if (!refill()) return finish();
            const std::size_t n = std::min(size, plain.size() - plain_pos);
            plain_pos += n;  // authenticated and counted; contents not needed
            raw += n;
            return n;
        }
        for (;;) {
            if (plain_pos >= plain.size() && !refill()) {
                if (!frame_done) corrupt("the compressed stream ends early: the file is truncated");
                return finish();
            }
            ZSTD_inBuffer zin{plain.data(), plain.size(), plain_pos};
            ZSTD_outBuffer zout{buffer, size, 0};
            const std::size_t r = ZSTD_decompressStream(zstd, &zout, &zin);
            if (ZSTD_isError(r)) corrupt(std::string("zstd: ") + ZSTD_getErrorName(r));
            plain_pos = zin.pos;
            if (r == 0) frame_done = true;
            if (zout.pos > 0) {
                raw += zout.pos;
                return zout.pos;
            }
        }
    }

    std::size_t finish() {
        finished = true;
        if (hash) sha_hex = sha.finish_hex();
        return 0;
    }
};

StoredStreamReader::StoredStreamReader(DataReader& in, const BackupKey* key, Mode mode, std::string what)
    : impl_(std::make_unique<Impl>(in, key, mode, std::move(what))) {
    if (impl_->decompress) {
        impl_->zstd = ZSTD_createDCtx();
        if (!impl_->zstd) throw std::runtime_error("zstd: cannot allocate a decompression context");
    }
    impl_->open();
}

StoredStreamReader::~StoredStreamReader() = default;

std::size_t StoredStreamReader::read(void* buffer, std::size_t size) {
    return impl_->read(static_cast<unsigned char*>(buffer), size);
}

std::uint64_t StoredStreamReader::drain() {
    std::vector<unsigned char> buffer(1 << 20);
    while (read(buffer.data(), buffer.size()) > 0) {
    }
    return impl_->raw;
}

std::uint64_t StoredStreamReader::raw_bytes() const { return impl_->raw; }
std::uint64_t StoredStreamReader::stored_bytes() const { return impl_->stored; }
std::string StoredStreamReader::sha256_hex() const { return impl_->sha_hex; }

}  // namespace aaiti::backup
