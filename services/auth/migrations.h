#pragma once
// The versioned schema, one list per back end with the same versions and the same meaning. A store
// applies, in order and each in its own transaction, every version missing from schema_migrations.
// Append new versions; never edit an applied one.
#include <string_view>
#include <vector>

namespace aaiti::auth {

struct Migration {
    int version;
    std::string_view description;
    std::vector<std::string_view> statements;
};

const std::vector<Migration>& sqlite_migrations();
const std::vector<Migration>& postgres_migrations();

}  // namespace aaiti::auth
