#pragma once
// Aligned plain-text tables for `-o table`. Kept tiny on purpose: columns separated by two spaces,
// an optional bold header when colour is allowed, nothing that breaks `grep` or `awk`.
#include <ostream>
#include <string>
#include <vector>

namespace aaiti::cli {

struct Table {
    std::vector<std::string> header;  // empty: no header line
    std::vector<std::vector<std::string>> rows;
};

void print_table(std::ostream& out, const Table& table, bool color);

}  // namespace aaiti::cli
