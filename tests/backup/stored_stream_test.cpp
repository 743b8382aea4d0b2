// The stored format: compression + encryption round trips, and every kind of damage is caught.
#include <catch2/catch.hpp>

#include <cstring>
#include <random>

#include "backup/key_material.h"
#include "backup/stored_stream.h"
#include "common/error.h"
#include "tests/support/temp_dir.h"

namespace aaiti::backup {
namespace {

class MemoryWriter final : public DataWriter {
public:
    std::string bytes;
    bool finished = false;
    void write(const void* data, std::size_t size) override { bytes.append(static_cast<const char*>(data), size); }
    void finish() override { finished = true; }
};

class MemoryReader final : public DataReader {
public:
    explicit MemoryReader(std::string b) : bytes(std::move(b)) {}
    std::string bytes;
    std::size_t pos = 0;
    std::size_t read(void* buffer, std::size_t size) override {
        const std::size_t n = std::min(size, bytes.size() - pos);
        std::memcpy(buffer, bytes.data() + pos, n);
        pos += n;
        return n;
    }
};

// Compressible but not trivial: a few MiB of repeated text with noise, spanning several chunks.
std::string sample_dump(std::size_t size) {
    std::mt19937 random(42);
    std::string out;
    while (out.size() < size) out += "row " + std::to_string(random() % 100000) + " price 42.17 qty 3\n";
    out.resize(size);
    return out;
}

BackupKey test_key(unsigned char fill) {
    BackupKey key;
    key.bytes.fill(fill);
    key.key_id = "test";
    return key;
}

std::string store(const std::string& raw, const BackupKey* key, std::uint32_t chunk = 1 << 16) {
    MemoryWriter out;
    StoredStreamWriter writer(out, key, 3, 2, chunk);
    // Odd write sizes, as pg_dump's pipe gives them.
    for (std::size_t pos = 0; pos < raw.size(); pos += 7777) writer.write(raw.data() + pos, std::min<std::size_t>(7777, raw.size() - pos));
    writer.finish();
    CHECK(out.finished);
    CHECK(writer.raw_bytes() == raw.size());
    CHECK(writer.stored_bytes() == out.bytes.size());
    CHECK(writer.sha256_hex().size() == 64);
    return out.bytes;
}

std::string load(const std::string& stored, const BackupKey* key) {
    MemoryReader in(stored);
    StoredStreamReader reader(in, key, StoredStreamReader::Mode::read_check, "test");
    std::string raw;
    char buffer[5000];
    for (std::size_t n; (n = reader.read(buffer, sizeof buffer)) > 0;) raw.append(buffer, n);
    return raw;
}

TEST_CASE("stored stream: encrypted and plain streams round-trip, smaller than the input", "[backup]") {
    const std::string raw = sample_dump(3 << 20);
    const BackupKey key = test_key(7);
    const std::string encrypted = store(raw, &key);
    CHECK(encrypted.size() < raw.size() / 2);
    CHECK(load(encrypted, &key) == raw);
    const std::string plain = store(raw, nullptr);
    CHECK(load(plain, nullptr) == raw);
    CHECK(load(store("", &key), &key).empty());
}

TEST_CASE("stored stream: the checksum covers exactly the stored bytes", "[backup]") {
    const BackupKey key = test_key(9);
    MemoryWriter out;
    StoredStreamWriter writer(out, &key, 3, 1, 1 << 16);
    const std::string raw = sample_dump(100000);
    writer.write(raw.data(), raw.size());
    writer.finish();
    MemoryReader in(out.bytes);
    StoredStreamReader reader(in, &key, StoredStreamReader::Mode::check, "test");
    reader.drain();
    CHECK(reader.sha256_hex() == writer.sha256_hex());
    CHECK(reader.stored_bytes() == out.bytes.size());
}

TEST_CASE("stored stream: a flipped byte, a truncation, appended data or the wrong key are refused", "[backup]") {
    const std::string raw = sample_dump(1 << 20);
    const BackupKey key = test_key(1);
    const std::string stored = store(raw, &key);

    SECTION("one flipped byte anywhere") {
        for (const std::size_t at : {std::size_t{30}, stored.size() / 2, stored.size() - 5}) {
            std::string damaged = stored;
            damaged[at] = static_cast<char>(damaged[at] ^ 0x01);
            CHECK_THROWS_AS(load(damaged, &key), DataError);
        }
    }
    SECTION("truncated at a chunk boundary or inside a chunk") {
        CHECK_THROWS_WITH(load(stored.substr(0, stored.size() - 100), &key), Catch::Contains("truncated"));
        CHECK_THROWS_WITH(load(stored.substr(0, 24), &key), Catch::Contains("truncated"));
        CHECK_THROWS_AS(load(stored.substr(0, 10), &key), DataError);
    }
    SECTION("data appended after the final chunk") {
        CHECK_THROWS_WITH(load(stored + "x", &key), Catch::Contains("follows the final"));
    }
    SECTION("another key") {
        const BackupKey other = test_key(2);
        CHECK_THROWS_WITH(load(stored, &other), Catch::Contains("authentication failed"));
    }
    SECTION("a truncated unencrypted stream") {
        const std::string plain = store(raw, nullptr);
        CHECK_THROWS_WITH(load(plain.substr(0, plain.size() / 2), nullptr), Catch::Contains("truncated"));
    }
}

TEST_CASE("key material: key files in three spellings give the same key id; a wrong key is named", "[backup]") {
    test::TempDir dir("backup-keys");
    std::string raw(32, '\0');
    for (int i = 0; i < 32; ++i) raw[i] = static_cast<char>(i * 7 + 1);
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned char c : raw) hex += std::string{k_hex[c >> 4], k_hex[c & 15]};
    const auto raw_file = dir.write_file("raw.key", raw).string();
    const auto hex_file = dir.write_file("hex.key", hex + "\n").string();

    EncryptionInfo info_raw, info_hex;
    KeySource source;
    source.key_file = raw_file;
    const auto k1 = key_for_new_backup(source, info_raw);
    source.key_file = hex_file;
    const auto k2 = key_for_new_backup(source, info_hex);
    REQUIRE(k1);
    REQUIRE(k2);
    CHECK(k1->key_id == k2->key_id);
    CHECK(info_raw.kdf == "key-file");
    CHECK(key_for_existing_backup(source, info_raw, "b1")->bytes == k1->bytes);

    source.key_file = dir.write_file("other.key", std::string(32, 'z')).string();
    CHECK_THROWS_WITH(key_for_existing_backup(source, info_raw, "b1"), Catch::Contains("wrong key for backup b1"));
    source.key_file = dir.write_file("short.key", "abc").string();
    CHECK_THROWS_AS(key_for_existing_backup(source, info_raw, "b1"), ConfigError);
}

TEST_CASE("key material: a passphrase derives the same key from the manifest's salt; no key is a usage error", "[backup]") {
    test::TempDir dir("backup-pass");
    KeySource source;
    source.passphrase_file = dir.write_file("pass", "correct horse battery staple\n").string();
    EncryptionInfo info;
    const auto key = key_for_new_backup(source, info);
    REQUIRE(key);
    CHECK(info.kdf == "argon2id");
    CHECK(info.salt_hex.size() == 32);
    CHECK(key_for_existing_backup(source, info, "b")->bytes == key->bytes);
    source.passphrase_file = dir.write_file("pass2", "correct horse battery stapler").string();
    CHECK_THROWS_AS(key_for_existing_backup(source, info, "b"), OperationFailed);

    EncryptionInfo none;
    CHECK_THROWS_WITH(key_for_new_backup(KeySource{}, none), Catch::Contains("--no-encrypt"));
    KeySource off;
    off.no_encrypt = true;
    CHECK_FALSE(key_for_new_backup(off, none));
    CHECK_FALSE(none.encrypted());
}

}  // namespace
}  // namespace aaiti::backup
