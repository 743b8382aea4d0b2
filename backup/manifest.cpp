#include "backup/manifest.h"

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace aaiti::backup {

using nlohmann::json;

std::string manifest_to_json(const Manifest& m) {
    json tables = json::array();
    for (const auto& t : m.tables) tables.push_back({{"schema", t.schema}, {"name", t.name}, {"rows", t.rows}});
    json encryption = {{"cipher", m.encryption.cipher}};
    if (m.encryption.encrypted()) {
        encryption["kdf"] = m.encryption.kdf;
        encryption["key_id"] = m.encryption.key_id;
        encryption["chunk_bytes"] = m.encryption.chunk_bytes;
        if (m.encryption.kdf == "argon2id") {
            encryption["salt"] = m.encryption.salt_hex;
            encryption["opslimit"] = m.encryption.opslimit;
            encryption["memlimit"] = m.encryption.memlimit;
        }
    }
    const json doc = {
        {"format_version", m.format_version},
        {"id", m.id},
        {"label", m.label},
        {"database", m.database},
        {"server", m.server},
        {"server_version", m.server_version},
        {"tool_version", m.tool_version},
        {"started_at_ms", m.started_at_ms},
        {"finished_at_ms", m.finished_at_ms},
        {"dump_format", m.dump_format},
        {"compression", {{"algorithm", m.compression}, {"level", m.compression_level}}},
        {"data_file", m.data_file},
        {"bytes", {{"raw", m.raw_bytes}, {"compressed", m.compressed_bytes}, {"stored", m.stored_bytes}}},
        {"checksum", {{"algorithm", "sha256"}, {"stored", m.stored_sha256}}},
        {"encryption", encryption},
        {"tables", tables},
    };
    return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

Manifest manifest_from_json(std::string_view text, std::string_view where) {
    const json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
        throw DataError(std::string(where) + ": not a backup manifest (invalid JSON)");
    try {
        Manifest m;
        m.format_version = doc.at("format_version").get<int>();
        if (m.format_version > k_manifest_format_version)
            throw DataError(std::string(where) + ": manifest format " + std::to_string(m.format_version) +
                            " is newer than this aaitictl understands (" + std::to_string(k_manifest_format_version) +
                            "); upgrade aaitictl");
        m.id = doc.at("id").get<std::string>();
        m.label = doc.value("label", "");
        m.database = doc.at("database").get<std::string>();
        m.server = doc.value("server", "");
        m.server_version = doc.value("server_version", "");
        m.tool_version = doc.value("tool_version", "");
        m.started_at_ms = doc.at("started_at_ms").get<std::int64_t>();
        m.finished_at_ms = doc.at("finished_at_ms").get<std::int64_t>();
        m.dump_format = doc.at("dump_format").get<std::string>();
        m.compression = doc.at("compression").at("algorithm").get<std::string>();
        m.compression_level = doc.at("compression").value("level", 0);
        m.data_file = doc.at("data_file").get<std::string>();
        m.raw_bytes = doc.at("bytes").at("raw").get<std::uint64_t>();
        m.compressed_bytes = doc.at("bytes").at("compressed").get<std::uint64_t>();
        m.stored_bytes = doc.at("bytes").at("stored").get<std::uint64_t>();
        m.stored_sha256 = doc.at("checksum").at("stored").get<std::string>();
        const json& e = doc.at("encryption");
        m.encryption.cipher = e.at("cipher").get<std::string>();
        if (m.encryption.encrypted()) {
            m.encryption.kdf = e.at("kdf").get<std::string>();
            m.encryption.key_id = e.at("key_id").get<std::string>();
            m.encryption.chunk_bytes = e.at("chunk_bytes").get<std::uint32_t>();
            if (m.encryption.kdf == "argon2id") {
                m.encryption.salt_hex = e.at("salt").get<std::string>();
                m.encryption.opslimit = e.at("opslimit").get<std::uint64_t>();
                m.encryption.memlimit = e.at("memlimit").get<std::uint64_t>();
            }
        }
        for (const auto& t : doc.at("tables"))
            m.tables.push_back({t.at("schema").get<std::string>(), t.at("name").get<std::string>(),
                                t.at("rows").get<std::int64_t>()});
        if (m.data_file.empty() || m.data_file.find('/') != std::string::npos || m.data_file.front() == '.')
            throw DataError(std::string(where) + ": data_file \"" + m.data_file + "\" is not a plain file name");
        return m;
    } catch (const json::exception& e) {
        throw DataError(std::string(where) + ": malformed manifest: " + e.what());
    }
}

}  // namespace aaiti::backup
