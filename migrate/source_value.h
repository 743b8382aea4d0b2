#pragma once
// One SQLite value as read, independent of SQLiteCpp so inference and conversion are testable alone.
#include <cstdint>
#include <string>
#include <string_view>

namespace aaiti::migrate {

enum class StorageClass { null, integer, real, text, blob };
std::string_view to_string(StorageClass c);  // SQLite's typeof() names

struct SourceValue {
    StorageClass storage = StorageClass::null;
    std::int64_t integer = 0;
    double real = 0;
    std::string_view bytes;  // text or blob content (may hold NUL bytes)

    static SourceValue null() { return {}; }
    static SourceValue of_integer(std::int64_t v) { return {StorageClass::integer, v, 0, {}}; }
    static SourceValue of_real(double v) { return {StorageClass::real, 0, v, {}}; }
    static SourceValue of_text(std::string_view v) { return {StorageClass::text, 0, 0, v}; }
    static SourceValue of_blob(std::string_view v) { return {StorageClass::blob, 0, 0, v}; }
};

// How a value reads as text, for messages and reject files (blobs as \x hex).
std::string describe_value(const SourceValue& v);

}  // namespace aaiti::migrate
