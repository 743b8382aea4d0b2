#include "migrate/row_converter.h"

#include <strings.h>

#include "common/error.h"
#include "migrate/copy_text.h"
#include "migrate/value_format.h"

namespace aaiti::migrate {
namespace {

std::string key_text(const SourceValue& v) {
    switch (v.storage) {
        case StorageClass::integer: return std::to_string(v.integer);
        case StorageClass::real: return format_double(v.real);
        case StorageClass::text:
            if (const auto i = parse_integer_text(v.bytes)) return std::to_string(*i);
            return std::string(v.bytes);
        default: return describe_value(v);
    }
}

std::string text_of(const SourceValue& v) {
    switch (v.storage) {
        case StorageClass::integer: return std::to_string(v.integer);
        case StorageClass::real: return format_double(v.real);
        default: return std::string(v.bytes);
    }
}

}  // namespace

RowConverter::RowConverter(const TablePlan& table, const Uuid& key_namespace) : table_(table), namespace_(key_namespace) {
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
        const ColumnPlan& c = table.columns[i];
        if (c.generated_expression.empty()) {  // PostgreSQL computes the others
            target_columns_.push_back(c.name);
            copied_.push_back(i);
        }
        key_uuids_.push_back(c.type() == PgType::uuid ? KeyUuidGenerator(key_namespace, c.uuid_table) : KeyUuidGenerator());
    }
    if (!table.legacy_id_column.empty()) {
        target_columns_.push_back(table.legacy_id_column);
        copied_.push_back(table.columns.size());
    }
    for (std::size_t f = 0; f < table.foreign_keys.size(); ++f) {
        const auto& fk = table.foreign_keys[f];
        if (!fk.null_orphans) continue;
        orphan_checks_.push_back(&fk.source);
        orphan_check_fk_.push_back(f);
        std::vector<std::size_t> cols;
        for (const auto& name : fk.source.columns)
            for (std::size_t i = 0; i < table.columns.size(); ++i)
                if (strcasecmp(table.columns[i].name.c_str(), name.c_str()) == 0) cols.push_back(i);
        orphan_check_columns_.push_back(std::move(cols));
    }
}

ConversionCounts RowConverter::make_counts() const {
    ConversionCounts c;
    c.values_nulled.assign(table_.columns.size(), 0);
    c.orphans_nulled.assign(table_.foreign_keys.size(), 0);
    return c;
}

std::string RowConverter::format_value(const ColumnPlan& column, const SourceValue& v) const {
    switch (column.type()) {
        case PgType::uuid: return key_uuid(namespace_, column.uuid_table, key_text(v));
        case PgType::integer:
        case PgType::bigint:
            if (v.storage == StorageClass::real) return std::to_string(static_cast<std::int64_t>(v.real));
            if (v.storage == StorageClass::text) return std::to_string(*parse_integer_text(v.bytes));
            return std::to_string(v.integer);
        case PgType::double_precision:
        case PgType::numeric:
            if (v.storage == StorageClass::text) {
                // numeric keeps every digit the text had; spellings of infinity/NaN become PostgreSQL's.
                if (column.type() == PgType::numeric && v.bytes.find_first_of("nNiI") == std::string_view::npos)
                    return std::string(v.bytes);
                return format_double(*parse_double_text(v.bytes));
            }
            return text_of(v);
        case PgType::boolean:
            if (v.storage == StorageClass::integer) return v.integer ? "t" : "f";
            return (v.bytes.front() == 't' || v.bytes.front() == 'T') ? "t" : "f";
        case PgType::timestamptz:
            if (v.storage == StorageClass::integer) return format_timestamp_micros(epoch_number_to_micros(static_cast<double>(v.integer)));
            if (v.storage == StorageClass::real) return format_timestamp_micros(epoch_number_to_micros(v.real));
            return format_timestamp_micros(*parse_timestamp_text(v.bytes));
        case PgType::jsonb: return text_of(v);
        case PgType::bytea:
            if (v.storage == StorageClass::blob || v.storage == StorageClass::text) return bytea_hex(v.bytes.data(), v.bytes.size());
            {
                const std::string t = text_of(v);
                return bytea_hex(t.data(), t.size());
            }
        case PgType::text:
            if (v.storage == StorageClass::blob) return bytea_hex(v.bytes.data(), v.bytes.size());
            {
                std::string t = text_of(v);
                if (column.decision.strip_nul) strip_nul_bytes(t);
                return t;
            }
    }
    return text_of(v);
}

void RowConverter::check_values_fit(const std::vector<SourceValue>& values) const {
    for (std::size_t i = 0; i < table_.columns.size() && i < values.size(); ++i) {
        const ColumnPlan& column = table_.columns[i];
        if (values[i].storage == StorageClass::null || column.type() == PgType::uuid || column.decision.on_bad != BadValueAction::none)
            continue;
        if (!value_fits(values[i], column.type()))
            throw DataError("migrate: table \"" + table_.name + "\" column \"" + column.name + "\": the value '" +
                            describe_value(values[i]).substr(0, 60) + "', written after the first run, is not " +
                            std::string(to_sql(column.type())) + "; migrate again with --incremental --if-exists drop");
    }
}

void RowConverter::convert(std::vector<SourceValue>& values, const std::vector<bool>& orphan_flags, ConvertedRow& out,
                           ConversionCounts& counts) const {
    out.rejected = false;
    out.reject_reason.clear();
    for (std::size_t k = 0; k < orphan_checks_.size() && k < orphan_flags.size(); ++k) {
        if (!orphan_flags[k]) continue;
        for (std::size_t col : orphan_check_columns_[k]) values[col] = SourceValue::null();
        ++counts.orphans_nulled[orphan_check_fk_[k]];
    }
    out.values.resize(table_.columns.size() + (table_.legacy_id_column.empty() ? 0 : 1));
    for (std::size_t i = 0; i < table_.columns.size(); ++i) {
        const ColumnPlan& column = table_.columns[i];
        const SourceValue& v = values[i];
        if (v.storage == StorageClass::null) {
            out.values[i].reset();
            continue;
        }
        if (column.key_role != KeyRole::uuid_primary && column.key_role != KeyRole::uuid_reference &&
            column.decision.on_bad != BadValueAction::none && !value_fits(v, column.type())) {
            if (column.decision.on_bad == BadValueAction::set_null) {
                ++counts.values_nulled[i];
                out.values[i].reset();
                continue;
            }
            out.rejected = true;
            out.reject_reason = "column \"" + column.name + "\": '" + describe_value(v).substr(0, 60) + "' is not " +
                                std::string(to_sql(column.type()));
            ++counts.rows_rejected;
            return;
        }
        if (column.type() == PgType::uuid) {
            if (!out.values[i]) out.values[i].emplace();
            key_uuids_[i].write(key_text(v), *out.values[i]);
            continue;
        }
        out.values[i] = format_value(column, v);
    }
    if (!table_.legacy_id_column.empty()) {
        const SourceValue& key = values[static_cast<std::size_t>(table_.key_column)];
        out.values.back() = key_text(key);
    }
}

void RowConverter::append_copy_row(std::string& out, const ConvertedRow& row) const {
    for (std::size_t k = 0; k < copied_.size(); ++k) {
        if (k > 0) out += '\t';
        append_copy_field(out, row.values[copied_[k]]);
    }
    out += '\n';
}

std::string normalise_for_verify(PgType type, const std::optional<std::string>& value) {
    if (!value) return std::string("\x01NULL", 5);
    switch (type) {
        case PgType::double_precision:
        case PgType::numeric: return normalise_number_text(*value);
        case PgType::jsonb: return canonical_json(*value);
        default: return *value;
    }
}

}  // namespace aaiti::migrate
