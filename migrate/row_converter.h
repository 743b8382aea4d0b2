#pragma once
// Turning one SQLite row into the values PostgreSQL receives (COPY text, before escaping), applying the
// plan: types, UUID keys, orphans set NULL, bad values nulled or rejected, NUL bytes stripped. The
// loader and the source side of --verify both use it, so what is checked is what was meant to be loaded.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/uuid.h"
#include "migrate/key_uuid.h"
#include "migrate/plan.h"
#include "migrate/source_value.h"

namespace aaiti::migrate {

struct ConvertedRow {
    bool rejected = false;
    std::string reject_reason;
    std::vector<std::optional<std::string>> values;  // one per target column
};

// Per-table counts, filled while converting.
struct ConversionCounts {
    std::int64_t rows_rejected = 0;
    std::vector<std::int64_t> values_nulled;  // per source column (bad values set NULL)
    std::vector<std::int64_t> orphans_nulled;  // per foreign key of the plan
};

class RowConverter {
public:
    RowConverter(const TablePlan& table, const Uuid& key_namespace);

    // Target columns, in COPY order: the source columns but those PostgreSQL generates, then the legacy id
    // column if any.
    const std::vector<std::string>& target_columns() const { return target_columns_; }
    // One COPY text line of a converted row: the values of target_columns() (convert() gives every column,
    // generated ones included, since --verify compares them too).
    void append_copy_row(std::string& out, const ConvertedRow& row) const;
    // Foreign keys whose orphans are set NULL: the row query adds one flag per entry (see sql.h).
    const std::vector<const SourceForeignKey*>& orphan_checks() const { return orphan_checks_; }
    const std::vector<std::size_t>& orphan_check_fk_index() const { return orphan_check_fk_; }

    // `values`: one per source column; `orphan_flags`: one per orphan_checks() entry.
    void convert(std::vector<SourceValue>& values, const std::vector<bool>& orphan_flags, ConvertedRow& out,
                 ConversionCounts& counts) const;
    ConversionCounts make_counts() const;

    // For sources written to after they were profiled (--incremental): throws DataError naming the table
    // and column when a value no longer fits the planned type and no --on-bad-value action covers it
    // (convert() assumes the profile's guarantees).
    void check_values_fit(const std::vector<SourceValue>& values) const;

    // One value in the type of `column` (precondition: value_fits or a uuid column).
    std::string format_value(const ColumnPlan& column, const SourceValue& value) const;

private:
    const TablePlan& table_;
    Uuid namespace_;
    std::vector<std::string> target_columns_;
    std::vector<std::size_t> copied_;  // ConvertedRow::values index of each target column
    std::vector<const SourceForeignKey*> orphan_checks_;
    std::vector<std::size_t> orphan_check_fk_;
    std::vector<std::vector<std::size_t>> orphan_check_columns_;  // source column indexes per check
    std::vector<KeyUuidGenerator> key_uuids_;                     // per column; used by uuid columns only
};

// How --verify compares a value of `type` (numbers by value, JSON canonical, the rest as text).
std::string normalise_for_verify(PgType type, const std::optional<std::string>& value);

}  // namespace aaiti::migrate
