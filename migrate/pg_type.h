#pragma once
// The PostgreSQL column types migrate chooses from.
#include <string_view>

namespace aaiti::migrate {

enum class PgType { integer, bigint, double_precision, numeric, boolean, timestamptz, jsonb, bytea, text, uuid };

constexpr std::string_view to_sql(PgType t) {
    switch (t) {
        case PgType::integer: return "integer";
        case PgType::bigint: return "bigint";
        case PgType::double_precision: return "double precision";
        case PgType::numeric: return "numeric";
        case PgType::boolean: return "boolean";
        case PgType::timestamptz: return "timestamptz";
        case PgType::jsonb: return "jsonb";
        case PgType::bytea: return "bytea";
        case PgType::text: return "text";
        case PgType::uuid: return "uuid";
    }
    return "text";
}

}  // namespace aaiti::migrate
