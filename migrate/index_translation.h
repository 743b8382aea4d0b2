#pragma once
// SQLite index -> PostgreSQL CREATE INDEX parts. Plain column indexes are rebuilt from PRAGMA data;
// partial and expression indexes reuse the expression text of their CREATE INDEX with identifiers
// requoted for PostgreSQL (bare column names are case-insensitive in SQLite, so they are matched to the
// real column name and double-quoted). What PostgreSQL then refuses is reported as skipped.
#include <optional>
#include <string>
#include <vector>

#include "migrate/source_schema.h"

namespace aaiti::migrate {

struct TranslatedIndex {
    std::string elements;  // inside the parentheses: "\"a\", lower(\"b\") DESC"
    std::string where;     // partial index predicate, empty when none
};

// nullopt with `why` set when the index cannot be expressed (e.g. its SQL text is missing).
std::optional<TranslatedIndex> translate_index(const SourceIndex& index, const std::vector<std::string>& table_columns,
                                               std::string& why);

// Requotes identifiers in a SQLite expression for PostgreSQL (exposed for tests).
std::string requote_expression(const std::string& expression, const std::vector<std::string>& table_columns);

}  // namespace aaiti::migrate
