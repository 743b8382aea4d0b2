#include "migrate/type_mapping.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <strings.h>

#include "common/error.h"
#include "migrate/value_format.h"

namespace aaiti::migrate {
namespace {

bool contains(const std::string& upper, const char* word) { return upper.find(word) != std::string::npos; }

bool is_boolean_text(std::string_view t) {
    auto is = [&](std::string_view word) { return t.size() == word.size() && strncasecmp(t.data(), word.data(), t.size()) == 0; };
    return is("true") || is("false") || is("t") || is("f");
}

constexpr std::int64_t k_int32_min = std::numeric_limits<std::int32_t>::min();
constexpr std::int64_t k_int32_max = std::numeric_limits<std::int32_t>::max();

std::string first_bad(const ColumnProfile& p) {
    if (!p.first_non_number) return "";
    return " (first: '" + *p.first_non_number + "' at " + p.first_non_number_at + ")";
}

std::string plural(std::int64_t n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); }

// Values that are not numbers in a numeric column: --on-bad-value decides. Returns true when the column
// was widened to text (the decision is then complete).
bool apply_bad_value_policy(TypeDecision& d, std::int64_t bad, const char* one, const char* many, const std::string& table,
                            const std::string& column, const ColumnProfile& p, BadValuePolicy policy) {
    if (bad == 0) return false;
    d.bad_values = bad;
    const std::string counted = std::to_string(bad) + (bad == 1 ? " value is not " + std::string(one) : " values are not " + std::string(many)) + first_bad(p);
    switch (policy) {
        case BadValuePolicy::text:
            d.type = PgType::text;
            d.strip_nul = p.values_with_nul > 0;
            d.coercions.push_back(counted + "; column widened to text (--on-bad-value=text)");
            return true;
        case BadValuePolicy::null:
            d.on_bad = BadValueAction::set_null;
            d.coercions.push_back(counted + "; stored as NULL (--on-bad-value=null)");
            return false;
        case BadValuePolicy::reject:
            d.on_bad = BadValueAction::reject_row;
            d.coercions.push_back(counted + "; their rows rejected (--on-bad-value=reject)");
            return false;
        case BadValuePolicy::fail:
            break;
    }
    throw DataError("migrate: table \"" + table + "\" column \"" + column + "\": " + counted +
                    "; use --on-bad-value=text|null|reject");
}

void note_nul_bytes(TypeDecision& d, const ColumnProfile& p) {
    if (p.values_with_nul == 0 || d.type != PgType::text) return;
    d.strip_nul = true;
    d.coercions.push_back(plural(p.nul_bytes, "NUL byte", "NUL bytes") + " stripped from " +
                          plural(p.values_with_nul, "value", "values") + " (PostgreSQL text cannot hold NUL)");
}

PgType integer_type_for_range(const ColumnProfile& p) {
    if (p.integers + p.texts_integer == 0) return PgType::integer;
    return p.int_min >= k_int32_min && p.int_max <= k_int32_max ? PgType::integer : PgType::bigint;
}

// Columns without a usable declared type: follow what the values are.
TypeDecision decide_from_storage(const ColumnProfile& p) {
    TypeDecision d;
    if (p.blobs > 0) {
        d.type = PgType::bytea;
        if (p.blobs != p.non_null())
            d.coercions.push_back("BLOBs mixed with other values: column stored as bytea, other values as their text bytes");
    } else if (p.texts > 0) {
        d.type = PgType::text;
        if (p.integers + p.reals > 0) d.coercions.push_back("numbers mixed with text: stored as text");
    } else if (p.reals > 0) {
        d.type = PgType::double_precision;
    } else if (p.integers > 0) {
        d.type = integer_type_for_range(p);
    } else {
        d.type = PgType::text;
    }
    return d;
}

}  // namespace

std::string_view to_string(StorageClass c) {
    switch (c) {
        case StorageClass::null: return "null";
        case StorageClass::integer: return "integer";
        case StorageClass::real: return "real";
        case StorageClass::text: return "text";
        case StorageClass::blob: return "blob";
    }
    return "null";
}

std::string describe_value(const SourceValue& v) {
    switch (v.storage) {
        case StorageClass::null: return "NULL";
        case StorageClass::integer: return std::to_string(v.integer);
        case StorageClass::real: return format_double(v.real);
        case StorageClass::text: return std::string(v.bytes);
        case StorageClass::blob: return bytea_hex(v.bytes.data(), v.bytes.size());
    }
    return "";
}

DeclaredKind classify_declared_type(const std::string& declared_type) {
    std::string u = declared_type;
    std::transform(u.begin(), u.end(), u.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (u.empty()) return DeclaredKind::none;
    if (contains(u, "BOOL")) return DeclaredKind::boolean;
    if (contains(u, "JSON")) return DeclaredKind::json;
    if (contains(u, "DATE") || contains(u, "TIME")) return DeclaredKind::datetime;
    // SQLite's affinity rules, in SQLite's order.
    if (contains(u, "INT")) return DeclaredKind::integer;
    if (contains(u, "CHAR") || contains(u, "CLOB") || contains(u, "TEXT")) return DeclaredKind::text;
    if (contains(u, "BLOB")) return DeclaredKind::blob;
    if (contains(u, "REAL") || contains(u, "FLOA") || contains(u, "DOUB")) return DeclaredKind::real;
    if (contains(u, "NUMERIC") || contains(u, "DECIMAL")) return DeclaredKind::numeric;
    // Any other name has NUMERIC affinity in SQLite but says nothing we can rely on: follow the values.
    return DeclaredKind::none;
}

void observe_value(ColumnProfile& p, const SourceValue& v, std::int64_t row, bool row_is_rowid) {
    auto where = [&] { return (row_is_rowid ? "rowid " : "row ") + std::to_string(row); };
    auto note_range = [&](std::int64_t i) {
        if (p.integers + p.texts_integer == 0) p.int_min = p.int_max = i;
        p.int_min = std::min(p.int_min, i);
        p.int_max = std::max(p.int_max, i);
    };
    switch (v.storage) {
        case StorageClass::null: ++p.nulls; return;
        case StorageClass::integer:
            note_range(v.integer);
            ++p.integers;
            if (v.integer != 0 && v.integer != 1) ++p.ints_not_01;
            return;
        case StorageClass::real:
            ++p.reals;
            if (!std::isfinite(v.real)) ++p.reals_nonfinite;
            if (!std::isfinite(v.real) || std::floor(v.real) != v.real) ++p.reals_fractional;
            return;
        case StorageClass::blob: ++p.blobs; return;
        case StorageClass::text: break;
    }
    const std::string_view t = v.bytes;
    if (const auto nul = static_cast<std::int64_t>(std::count(t.begin(), t.end(), '\0')); nul > 0) {
        ++p.values_with_nul;
        p.nul_bytes += nul;
    }
    ++p.texts;
    // Parsing every text value is the profile's main cost: only what the declared kind's rules read.
    const bool numeric_kind = p.declared == DeclaredKind::integer || p.declared == DeclaredKind::real ||
                              p.declared == DeclaredKind::numeric || p.declared == DeclaredKind::boolean;
    if (numeric_kind) {
        if (const auto i = parse_integer_text(t)) {
            note_range(*i);
            ++p.texts_integer;
        }
        if (parse_double_text(t)) {
            ++p.texts_number;
        } else if (!p.first_non_number) {
            p.first_non_number = std::string(t.substr(0, 60));
            p.first_non_number_at = where();
        }
    }
    if (p.declared == DeclaredKind::boolean && is_boolean_text(t)) ++p.texts_boolean;
    if (p.declared == DeclaredKind::datetime) {
        if (parse_timestamp_text(t)) {
            ++p.texts_timestamp;
        } else if (!p.first_non_timestamp) {
            p.first_non_timestamp = std::string(t.substr(0, 60));
            p.first_non_timestamp_at = where();
        }
    }
    if (p.declared == DeclaredKind::json) {
        if (is_json_text(t)) {
            ++p.texts_json;
        } else if (!p.first_non_json) {
            p.first_non_json = std::string(t.substr(0, 60));
            p.first_non_json_at = where();
        }
    }
}

TypeDecision decide_column_type(const std::string& table, const std::string& column, const std::string& declared_type,
                                const ColumnProfile& p, BadValuePolicy policy) {
    TypeDecision d;
    DeclaredKind kind = classify_declared_type(declared_type);
    const std::string declared_as = declared_type.empty() ? "no type" : declared_type;

    if (kind == DeclaredKind::boolean) {
        if (p.blobs == 0 && p.reals == 0 && p.ints_not_01 == 0 && p.texts == p.texts_boolean) {
            d.type = PgType::boolean;
            if (p.integers > 0) d.coercions.push_back("0/1 stored as false/true");
            return d;
        }
        d.warnings.push_back("declared " + declared_as + " but holds values other than 0/1; kept as numbers");
        kind = DeclaredKind::integer;
    }
    if (kind == DeclaredKind::datetime) {
        if (p.blobs == 0 && p.reals_nonfinite == 0 && p.texts == p.texts_timestamp) {
            d.type = PgType::timestamptz;
            if (p.integers + p.reals > 0)
                d.coercions.push_back(std::to_string(p.integers + p.reals) +
                                      " Unix epoch numbers read as timestamps (seconds; milliseconds when >= 1e11)");
            if (p.texts > 0) d.coercions.push_back("text timestamps without a zone read as UTC");
            return d;
        }
        d.type = PgType::text;
        d.warnings.push_back("declared " + declared_as + " but " +
                             plural(p.texts - p.texts_timestamp + p.blobs + p.reals_nonfinite, "value is not a timestamp",
                                    "values are not timestamps") +
                             (p.first_non_timestamp ? " (first: '" + *p.first_non_timestamp + "' at " + p.first_non_timestamp_at + ")"
                                                    : std::string()) +
                             "; stored as text");
        if (p.integers + p.reals > 0) d.coercions.push_back("numbers stored as their text");
        note_nul_bytes(d, p);
        return d;
    }
    if (kind == DeclaredKind::json) {
        if (p.blobs == 0 && p.reals_nonfinite == 0 && p.texts == p.texts_json) {
            d.type = PgType::jsonb;
            return d;
        }
        d.type = PgType::text;
        d.warnings.push_back("declared " + declared_as + " but " + plural(p.texts - p.texts_json + p.blobs, "value is", "values are") + " not valid JSON" +
                             (p.first_non_json ? " (first: '" + *p.first_non_json + "' at " + p.first_non_json_at + ")" : std::string()) +
                             "; stored as text");
        note_nul_bytes(d, p);
        return d;
    }
    if (kind == DeclaredKind::integer) {
        if (apply_bad_value_policy(d, p.texts - p.texts_number + p.blobs, "an integer", "integers", table, column, p, policy)) {
            note_nul_bytes(d, p);
            return d;
        }
        const std::int64_t fractional = p.reals_fractional + (p.texts_number - p.texts_integer);
        if (fractional > 0) {
            d.type = PgType::numeric;
            d.coercions.push_back(plural(fractional, "non-integral number", "non-integral numbers") +
                                  " in an integer column; widened to numeric");
        } else {
            d.type = integer_type_for_range(p);
            if (d.type == PgType::bigint) d.coercions.push_back("integers beyond 32 bits: bigint");
        }
        return d;
    }
    if (kind == DeclaredKind::real || kind == DeclaredKind::numeric) {
        d.type = kind == DeclaredKind::real ? PgType::double_precision : PgType::numeric;
        if (apply_bad_value_policy(d, p.texts - p.texts_number + p.blobs, "a number", "numbers", table, column, p, policy)) {
            note_nul_bytes(d, p);
            return d;
        }
        if (p.reals_nonfinite > 0) d.coercions.push_back(plural(p.reals_nonfinite, "infinity kept", "infinities kept"));
        return d;
    }
    if (kind == DeclaredKind::text) {
        if (p.blobs > 0) {
            d.type = PgType::bytea;
            d.warnings.push_back("declared " + declared_as + " but holds " + plural(p.blobs, "BLOB", "BLOBs") +
                                 "; column stored as bytea (text kept as its UTF-8 bytes)");
            return d;
        }
        d.type = PgType::text;
        if (p.integers + p.reals > 0) d.coercions.push_back("numbers stored as their text");
        note_nul_bytes(d, p);
        return d;
    }
    if (kind == DeclaredKind::blob) {
        d.type = PgType::bytea;
        if (p.blobs != p.non_null()) d.coercions.push_back("non-BLOB values stored as their text bytes");
        return d;
    }
    d = decide_from_storage(p);
    note_nul_bytes(d, p);
    return d;
}

bool value_fits(const SourceValue& v, PgType type) {
    switch (v.storage) {
        case StorageClass::null: return true;
        case StorageClass::blob: return type == PgType::bytea || type == PgType::text;
        default: break;
    }
    switch (type) {
        case PgType::integer:
        case PgType::bigint:
            if (v.storage == StorageClass::integer) return true;
            if (v.storage == StorageClass::real) return std::isfinite(v.real) && std::floor(v.real) == v.real;
            return parse_integer_text(v.bytes).has_value();
        case PgType::double_precision:
        case PgType::numeric:
            return v.storage != StorageClass::text || parse_double_text(v.bytes).has_value();
        case PgType::boolean:
            if (v.storage == StorageClass::integer) return v.integer == 0 || v.integer == 1;
            return v.storage == StorageClass::text && is_boolean_text(v.bytes);
        case PgType::timestamptz:
            if (v.storage == StorageClass::real) return std::isfinite(v.real);
            return v.storage == StorageClass::integer || parse_timestamp_text(v.bytes).has_value();
        case PgType::jsonb:
            if (v.storage == StorageClass::real) return std::isfinite(v.real);
            return v.storage == StorageClass::integer || is_json_text(v.bytes);
        case PgType::uuid:
            return v.storage == StorageClass::integer || parse_integer_text(v.bytes).has_value();
        case PgType::bytea:
        case PgType::text: return true;
    }
    return true;
}

}  // namespace aaiti::migrate
