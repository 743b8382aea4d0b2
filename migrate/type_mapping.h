#pragma once
// Choosing a PostgreSQL type for each SQLite column from its declared type AND the storage classes its
// values really have (SQLite typing is dynamic). The rules, in order:
//   BOOL/BOOLEAN with only 0/1 (or 'true'/'false')                 -> boolean
//   DATE/TIME declared, every value a timestamp or epoch number     -> timestamptz (else text + warning)
//   JSON declared, every value valid JSON text                      -> jsonb (else text + warning)
//   NUMERIC/DECIMAL declared                                        -> numeric
//   INTEGER affinity: integers within int32 -> integer, beyond -> bigint; with non-integral REALs -> numeric
//   REAL affinity -> double precision (never 4-byte real)
//   TEXT affinity -> text;  BLOB declared or any blob among other values -> bytea
// A value that does not fit (text in an INTEGER column) follows --on-bad-value: by default the column
// widens to text and the decision says why.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "migrate/options.h"
#include "migrate/pg_type.h"
#include "migrate/source_value.h"

namespace aaiti::migrate {

// What the declared type asks for, by SQLite's affinity rules plus the names people use for
// booleans, dates and JSON.
enum class DeclaredKind { integer, real, numeric, boolean, datetime, json, text, blob, none };
DeclaredKind classify_declared_type(const std::string& declared_type);

struct ColumnProfile {
    DeclaredKind declared = DeclaredKind::none;
    std::int64_t nulls = 0, integers = 0, reals = 0, texts = 0, blobs = 0;
    std::int64_t int_min = 0, int_max = 0;
    std::int64_t ints_not_01 = 0;        // integers other than 0 and 1
    std::int64_t reals_fractional = 0;   // non-integral or non-finite REALs
    std::int64_t reals_nonfinite = 0;
    // Counted only for INTEGER/REAL/NUMERIC/BOOLEAN declarations (the rules that read them):
    std::int64_t texts_integer = 0;      // text values that read as integers
    std::int64_t texts_number = 0;       // ... as numbers (incl. Infinity/NaN)
    std::int64_t texts_boolean = 0;      // 'true'/'false'/'t'/'f' (any case)
    std::int64_t texts_timestamp = 0;    // only counted for DATE/TIME columns
    std::int64_t texts_json = 0;         // only counted for JSON columns
    std::int64_t values_with_nul = 0;    // text values holding NUL bytes
    std::int64_t nul_bytes = 0;
    // The first value that is not a number / timestamp / JSON, for messages ("first: 'N/A' at rowid 42").
    std::optional<std::string> first_non_number, first_non_timestamp, first_non_json;
    std::string first_non_number_at, first_non_timestamp_at, first_non_json_at;

    std::int64_t non_null() const { return integers + reals + texts + blobs; }
};

// Counts one value into the profile. `row` names the row for messages: "rowid 42", or "row 42" (its
// position) for WITHOUT ROWID tables.
void observe_value(ColumnProfile& profile, const SourceValue& value, std::int64_t row, bool row_is_rowid = true);

enum class BadValueAction { none, set_null, reject_row };

struct TypeDecision {
    PgType type = PgType::text;
    BadValueAction on_bad = BadValueAction::none;  // for values that do not fit `type`
    std::int64_t bad_values = 0;
    bool strip_nul = false;             // text columns: NUL bytes removed (counted in the profile)
    std::vector<std::string> coercions;  // what happened to values, for the report
    std::vector<std::string> warnings;   // a declared intent we could not honour
};

// Throws DataError under --on-bad-value=fail when a value does not fit its declared type; the message
// names table, column, count and the first bad value.
TypeDecision decide_column_type(const std::string& table, const std::string& column, const std::string& declared_type,
                                const ColumnProfile& profile, BadValuePolicy policy);

// Whether `value` can be stored in a column of `type` as chosen above (booleans, timestamps, ...).
bool value_fits(const SourceValue& value, PgType type);

}  // namespace aaiti::migrate
