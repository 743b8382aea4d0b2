#include "migrate/run_identity.h"

#include <openssl/evp.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <map>

namespace aaiti::migrate {
namespace {

std::map<std::string, std::string> fields(const std::string& text) {
    std::map<std::string, std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find(';', start);
        if (end == std::string::npos) end = text.size();
        const std::string item = text.substr(start, end - start);
        const auto eq = item.find('=');
        if (eq != std::string::npos) out[item.substr(0, eq)] = item.substr(eq + 1);
        start = end + 1;
    }
    return out;
}

std::string sha256_hex(const std::string& data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr);
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < size; ++i) out += {digits[digest[i] >> 4], digits[digest[i] & 15]};
    return out;
}

// Bytes 24-27 of a SQLite file: incremented by every write transaction in rollback-journal mode (WAL
// writes reach it at checkpoints), so most edits made between a kill and a resume change it.
std::uint32_t change_counter(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::array<unsigned char, 28> header{};
    in.read(reinterpret_cast<char*>(header.data()), header.size());
    if (in.gcount() != static_cast<std::streamsize>(header.size())) return 0;
    return (std::uint32_t{header[24]} << 24) | (std::uint32_t{header[25]} << 16) | (std::uint32_t{header[26]} << 8) | header[27];
}

}  // namespace

std::string source_fingerprint(const std::string& path, const SourceSchema& schema) {
    std::error_code ec;
    const auto absolute = std::filesystem::weakly_canonical(path, ec);
    const auto size = std::filesystem::file_size(path, ec);
    std::string tables;
    for (const auto& t : schema.tables) tables += t.name + '\n' + t.sql + '\n';
    return "path=" + (absolute.empty() ? path : absolute.string()) + ";size=" + std::to_string(ec ? 0 : size) +
           ";schema=" + sha256_hex(tables) + ";counter=" + std::to_string(change_counter(path));
}

std::string options_signature(const MigrateOptions& o) {
    return "keys=" + std::string(to_string(o.keys)) + ";legacy_ids=" + (o.keep_legacy_ids ? "1" : "0") +
           ";on_bad_value=" + std::string(to_string(o.on_bad_value)) + ";on_orphan=" + std::string(to_string(o.on_orphan)) +
           ";capture=" + (o.incremental || o.finish ? "1" : "0");
}

std::string fingerprint_difference(const std::string& recorded, const std::string& now, bool data_may_change) {
    const auto a = fields(recorded), b = fields(now);
    std::string out;
    auto get = [](const std::map<std::string, std::string>& m, const char* k) {
        const auto it = m.find(k);
        return it == m.end() ? std::string() : it->second;
    };
    for (const char* key : {"path", "size", "schema", "counter"}) {
        if (data_may_change && (std::string(key) == "size" || std::string(key) == "counter")) continue;
        if (get(a, key) == get(b, key)) continue;
        out += (out.empty() ? "" : ", ") + std::string(key == std::string("schema") ? "the table definitions" : key == std::string("counter") ? "the contents" : key);
        if (std::string(key) == "path" || std::string(key) == "size") out += " " + get(a, key) + " -> " + get(b, key);
    }
    return out;
}

std::string options_difference(const std::string& recorded, const std::string& now) {
    const auto a = fields(recorded), b = fields(now);
    static const std::map<std::string, std::string> flag{{"keys", "--keys"},
                                                         {"legacy_ids", "--keep-legacy-ids"},
                                                         {"on_bad_value", "--on-bad-value"},
                                                         {"on_orphan", "--on-orphan"},
                                                         {"capture", "--incremental"}};
    std::string out;
    for (const auto& [key, value] : a) {
        const auto it = b.find(key);
        const std::string current = it == b.end() ? "" : it->second;
        if (current == value) continue;
        const std::string name = flag.count(key) ? flag.at(key) : key;
        std::string was = name + " " + value;
        if (key == "legacy_ids" || key == "capture") was = value == "1" ? name : "no " + name;
        out += (out.empty() ? "" : ", ") + was + " (now " + (key == "legacy_ids" || key == "capture" ? (current == "1" ? "given" : "not given") : current) + ")";
    }
    return out;
}

}  // namespace aaiti::migrate
