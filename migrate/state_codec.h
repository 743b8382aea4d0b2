#pragma once
// Text forms of what the state table keeps (run_state.h): a table's data profile (so a resumed or
// incremental run plans exactly as the first run did, whatever the source holds now), a batch cursor
// (the last copied rowid or primary key, storage classes kept exactly), and per-column counts.
#include <cstdint>
#include <string>
#include <vector>

#include "migrate/profile.h"
#include "migrate/source_value.h"

namespace aaiti::migrate {

std::string encode_profile(const TableProfile& profile);
// Throws DataError when the text is not a profile this version wrote.
TableProfile decode_profile(const std::string& text);

// Values that own their bytes: the SourceValues view into `bytes` (stable: reserved up front).
struct OwnedValues {
    std::vector<std::string> bytes;
    std::vector<SourceValue> values;
};
std::string encode_values(const std::vector<SourceValue>& values);
OwnedValues decode_values(const std::string& text);  // throws DataError on malformed text

std::string encode_counts(const std::vector<std::int64_t>& counts);
std::vector<std::int64_t> decode_counts(const std::string& text, std::size_t size);

}  // namespace aaiti::migrate
