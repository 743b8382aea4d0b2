#include "migrate/state_codec.h"

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/error.h"

namespace aaiti::migrate {
namespace {

using nlohmann::json;

json optional_text(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }
std::optional<std::string> read_optional(const json& j, const char* key) {
    if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
    return j.at(key).get<std::string>();
}

// Hex keeps text with NUL bytes or invalid UTF-8 intact (the state is stored as text, read as JSON).
std::string hex(std::string_view bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) out += {digits[c >> 4], digits[c & 15]};
    return out;
}
std::string unhex(std::string_view text) {
    if (text.size() % 2 != 0) throw DataError("migrate: the state table holds a malformed cursor; start over with --if-exists drop");
    std::string out;
    for (std::size_t i = 0; i < text.size(); i += 2) out += static_cast<char>(std::strtol(std::string(text.substr(i, 2)).c_str(), nullptr, 16));
    return out;
}

}  // namespace

std::string encode_profile(const TableProfile& p) {
    json j;
    j["rows"] = p.rows;
    j["orphans"] = p.orphans;
    json columns = json::array();
    for (const auto& c : p.columns) {
        columns.push_back({{"declared", static_cast<int>(c.declared)},
                           {"n", {c.nulls, c.integers, c.reals, c.texts, c.blobs, c.int_min, c.int_max, c.ints_not_01,
                                  c.reals_fractional, c.reals_nonfinite, c.texts_integer, c.texts_number, c.texts_boolean,
                                  c.texts_timestamp, c.texts_json, c.values_with_nul, c.nul_bytes}},
                           {"first_non_number", optional_text(c.first_non_number)},
                           {"first_non_timestamp", optional_text(c.first_non_timestamp)},
                           {"first_non_json", optional_text(c.first_non_json)},
                           {"at", {c.first_non_number_at, c.first_non_timestamp_at, c.first_non_json_at}}});
    }
    j["columns"] = std::move(columns);
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

TableProfile decode_profile(const std::string& text) {
    const json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        throw DataError("migrate: the state table holds a malformed profile; start over with --if-exists drop");
    try {
        TableProfile p;
        p.rows = j.at("rows").get<std::int64_t>();
        p.orphans = j.at("orphans").get<std::vector<std::int64_t>>();
        for (const auto& c : j.at("columns")) {
            ColumnProfile cp;
            cp.declared = static_cast<DeclaredKind>(c.at("declared").get<int>());
            const auto n = c.at("n").get<std::vector<std::int64_t>>();
            std::int64_t* fields[] = {&cp.nulls, &cp.integers, &cp.reals, &cp.texts, &cp.blobs, &cp.int_min, &cp.int_max,
                                      &cp.ints_not_01, &cp.reals_fractional, &cp.reals_nonfinite, &cp.texts_integer,
                                      &cp.texts_number, &cp.texts_boolean, &cp.texts_timestamp, &cp.texts_json,
                                      &cp.values_with_nul, &cp.nul_bytes};
            if (n.size() != std::size(fields)) throw DataError("migrate: the state table holds a profile of another version");
            for (std::size_t i = 0; i < n.size(); ++i) *fields[i] = n[i];
            cp.first_non_number = read_optional(c, "first_non_number");
            cp.first_non_timestamp = read_optional(c, "first_non_timestamp");
            cp.first_non_json = read_optional(c, "first_non_json");
            const auto at = c.at("at").get<std::vector<std::string>>();
            if (at.size() == 3) cp.first_non_number_at = at[0], cp.first_non_timestamp_at = at[1], cp.first_non_json_at = at[2];
            p.columns.push_back(std::move(cp));
        }
        return p;
    } catch (const json::exception& e) {
        throw DataError(std::string("migrate: the state table holds a malformed profile (") + e.what() +
                        "); start over with --if-exists drop");
    }
}

// One value per comma-separated item: n (NULL), i<decimal>, r<hex float>, t<hex bytes>, b<hex bytes>.
std::string encode_values(const std::vector<SourceValue>& values) {
    std::string out;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) out += ',';
        const SourceValue& v = values[i];
        switch (v.storage) {
            case StorageClass::null: out += 'n'; break;
            case StorageClass::integer: out += 'i' + std::to_string(v.integer); break;
            case StorageClass::real: {
                char buf[64];
                std::snprintf(buf, sizeof buf, "%a", v.real);  // exact: the cursor must compare equal
                out += 'r' + std::string(buf);
                break;
            }
            case StorageClass::text: out += 't' + hex(v.bytes); break;
            case StorageClass::blob: out += 'b' + hex(v.bytes); break;
        }
    }
    return out;
}

OwnedValues decode_values(const std::string& text) {
    OwnedValues out;
    std::vector<std::string> items;
    std::size_t start = 0;
    while (start <= text.size() && !text.empty()) {
        const auto comma = text.find(',', start);
        items.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    out.bytes.reserve(items.size());
    for (const auto& item : items) {
        if (item.empty()) throw DataError("migrate: the state table holds a malformed cursor; start over with --if-exists drop");
        const std::string body = item.substr(1);
        switch (item[0]) {
            case 'n': out.values.push_back(SourceValue::null()); break;
            case 'i': out.values.push_back(SourceValue::of_integer(std::strtoll(body.c_str(), nullptr, 10))); break;
            case 'r': out.values.push_back(SourceValue::of_real(std::strtod(body.c_str(), nullptr))); break;
            case 't': out.values.push_back(SourceValue::of_text(out.bytes.emplace_back(unhex(body)))); break;
            case 'b': out.values.push_back(SourceValue::of_blob(out.bytes.emplace_back(unhex(body)))); break;
            default: throw DataError("migrate: the state table holds a malformed cursor; start over with --if-exists drop");
        }
    }
    return out;
}

std::string encode_counts(const std::vector<std::int64_t>& counts) {
    std::string out;
    for (std::size_t i = 0; i < counts.size(); ++i) out += (i ? "," : "") + std::to_string(counts[i]);
    return out;
}

std::vector<std::int64_t> decode_counts(const std::string& text, std::size_t size) {
    std::vector<std::int64_t> out(size, 0);
    std::size_t i = 0, start = 0;
    while (i < size && start < text.size()) {
        const auto comma = text.find(',', start);
        out[i++] = std::strtoll(text.substr(start, comma - start).c_str(), nullptr, 10);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

}  // namespace aaiti::migrate
