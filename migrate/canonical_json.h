#pragma once
// The canonical form --verify compares JSON in (sorted keys, no spaces; what nlohmann::json::dump() gives
// after parse()), without building a document tree for the common case. --verify canonicalises every
// jsonb value twice (source and target), and a tree per value was most of its time.
#include <string>
#include <string_view>

namespace aaiti::migrate {

// Appends the canonical form of `text` to `out` and returns true, for JSON made of objects, arrays,
// ASCII strings without escapes, integers that fit 64 bits, true, false and null. Returns false (and
// leaves `out` as it was) for anything else: floats, escapes, non-ASCII text, duplicate keys, invalid
// JSON. The caller then takes the slow, general path (canonical_json in value_format.h).
bool append_canonical_json_fast(std::string_view text, std::string& out);

}  // namespace aaiti::migrate
