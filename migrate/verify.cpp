#include "migrate/verify.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <strings.h>

#include "common/logging.h"
#include "migrate/canonical_json.h"
#include "migrate/copy_text.h"
#include "migrate/parallel.h"
#include "migrate/pg_connection.h"
#include "migrate/row_converter.h"
#include "migrate/sql.h"
#include "migrate/sqlite_source.h"
#include "migrate/sqlite_value.h"
#include "migrate/value_format.h"

namespace aaiti::migrate {
namespace {

// Spreads the bits so that sums of hashes (a multiset checksum) do not cancel out by accident.
std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// One value's hash, 8 bytes a step (a byte-at-a-time hash was a visible share of --verify). The length
// is mixed in, so "a" and "a\0" differ.
std::uint64_t hash_bytes(std::string_view s) {
    std::uint64_t h = 0x243f6a8885a308d3ULL ^ (s.size() * 0x9e3779b97f4a7c15ULL);
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        h = mix(h ^ w);
    }
    std::uint64_t tail = 0;
    std::memcpy(&tail, s.data() + i, s.size() - i);
    return mix(h ^ tail);
}

// NULL is not any text: its own constant, not the hash of a spelling a value could have.
constexpr std::uint64_t k_null_hash = 0x6a09e667f3bcc908ULL;

// Order-independent checksums of a stream of rows: per column the sum of its values' hashes, per row a
// hash of its values in column order, summed over rows. Values are hashed as they come (no row is kept).
struct Checksums {
    std::int64_t rows = 0;
    std::uint64_t row_sum = 0;
    std::vector<std::uint64_t> column_sums;
    std::uint64_t row_hash = 0;

    explicit Checksums(std::size_t columns) : column_sums(columns, 0) {}
    void begin_row() { row_hash = 0x510e527fade682d1ULL; }
    void add(std::size_t column, std::uint64_t value_hash) {
        column_sums[column] += mix(value_hash);
        row_hash = mix(row_hash ^ value_hash);  // a chain: the same values in other columns differ
    }
    void end_row() {
        ++rows;
        row_sum += mix(row_hash);
    }
};

// How --verify compares a value of `type` (numbers by value, JSON canonical, the rest as text), hashed;
// `scratch` keeps normalising from allocating per value.
std::uint64_t normalised_hash(PgType type, std::string_view value, std::string& scratch) {
    switch (type) {
        case PgType::double_precision:
        case PgType::numeric: scratch = normalise_number_text(value); return hash_bytes(scratch);
        case PgType::jsonb:
            scratch.clear();
            if (!append_canonical_json_fast(value, scratch)) scratch = canonical_json(value);
            return hash_bytes(scratch);
        case PgType::timestamptz:
            // The source side has format_timestamp_micros() text already; the target's is "2009-01-01 00:00:00+00".
            if (const auto micros = parse_timestamp_text(value)) {
                scratch = format_timestamp_micros(*micros);
                return hash_bytes(scratch);
            }
            return hash_bytes(value);
        default: return hash_bytes(value);
    }
}

bool is_uuid_key(const ColumnPlan& c) { return c.key_role == KeyRole::uuid_primary || c.key_role == KeyRole::uuid_reference; }

std::vector<std::size_t> compared_columns(const TablePlan& t) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < t.columns.size(); ++i)
        if (!is_uuid_key(t.columns[i])) out.push_back(i);
    return out;
}

std::vector<std::string> names_of(const TablePlan& t) {
    std::vector<std::string> names;
    for (const auto& c : t.columns) names.push_back(c.name);
    return names;
}

// Adds the compared columns of one converted row, as checksum columns first, first + 1, ...
void add_converted(const TablePlan& t, const std::vector<std::size_t>& cols, const ConvertedRow& row, std::size_t first, Checksums& sums,
                   std::string& scratch) {
    for (std::size_t k = 0; k < cols.size(); ++k) {
        const auto& v = row.values[cols[k]];
        sums.add(first + k, v ? normalised_hash(t.columns[cols[k]].type(), *v, scratch) : k_null_hash);
    }
}

std::vector<std::string> target_expressions(const TablePlan& t, const std::vector<std::size_t>& cols, const char* alias) {
    std::vector<std::string> out;
    for (const std::size_t i : cols) out.push_back(sql::pg_verify_expression(alias, t.columns[i].name, t.columns[i].type()));
    return out;
}

// Reads `select` through COPY and adds each row, normalised per `types`.
void checksum_target(PgConnection& pg, const std::string& select, const std::vector<PgType>& types, Checksums& sums, const std::string& what) {
    pg.copy_out_begin(sql::pg_copy_out(select), what);
    std::string line, scratch;
    std::vector<std::optional<std::string_view>> fields;
    while (pg.copy_out_next(line)) {
        split_copy_row_in_place(line, fields);
        sums.begin_row();
        for (std::size_t i = 0; i < types.size(); ++i) {
            const auto& f = i < fields.size() ? fields[i] : std::nullopt;
            sums.add(i, f ? normalised_hash(types[i], *f, scratch) : k_null_hash);
        }
        sums.end_row();
    }
}

const TablePlan* find_table(const MigrationPlan& plan, const std::string& name) {
    for (const auto& t : plan.tables)
        if (strcasecmp(t.name.c_str(), name.c_str()) == 0) return &t;
    return nullptr;
}

void verify_table(const TablePlan& t, const LoadTarget& target, SQLite::Database& db, PgConnection& pg, VerifyReport& report) {
    const auto cols = compared_columns(t);
    const RowConverter converter(t, target.key_namespace);
    auto counts = converter.make_counts();
    const auto names = names_of(t);
    const std::size_t checks = converter.orphan_checks().size();

    Checksums source(cols.size()), dest(cols.size());
    {
        RowStatement rows(db, sql::sqlite_select_rows(t.name, names, false, converter.orphan_checks()));
        std::vector<SourceValue> values(names.size());
        std::vector<bool> flags(checks);
        ConvertedRow row;
        std::string scratch;
        while (rows.step()) {
            for (std::size_t i = 0; i < names.size(); ++i) values[i] = rows.value(static_cast<int>(i));
            for (std::size_t k = 0; k < checks; ++k) flags[k] = rows.integer(static_cast<int>(names.size() + k)) != 0;
            converter.convert(values, flags, row, counts);
            if (row.rejected) continue;
            source.begin_row();
            add_converted(t, cols, row, 0, source, scratch);
            source.end_row();
        }
    }
    std::vector<PgType> types;
    for (const std::size_t i : cols) types.push_back(t.columns[i].type());
    checksum_target(pg, sql::pg_select_columns(target.schema, t.name, target_expressions(t, cols, "c")), types, dest,
                    "verifying table \"" + t.name + "\"");

    const std::string table = "table \"" + t.name + "\"";
    if (source.rows != dest.rows) {
        report.mismatches.push_back(table + ": " + std::to_string(source.rows) + " rows expected from the source, " +
                                    std::to_string(dest.rows) + " in the target");
        return;
    }
    bool column_mismatch = false;
    for (std::size_t k = 0; k < cols.size(); ++k)
        if (source.column_sums[k] != dest.column_sums[k]) {
            report.mismatches.push_back(table + " column \"" + t.columns[cols[k]].name + "\": values differ between source and target");
            column_mismatch = true;
        }
    if (!column_mismatch && source.row_sum != dest.row_sum)
        report.mismatches.push_back(table + ": rows differ (same column values, combined differently)");
}

// Each parent row's converted, normalised contents hashed once and reused for the next children that
// reach it, instead of once per child: a parent with many children was converted and hashed for every
// one of them. (Ordering the joins by parent would make every repeat a hit, but costs more than it
// saves: random child-row reads in SQLite, an external sort in PostgreSQL.) Keyed by the row's identity
// on its side (SQLite rowid, PostgreSQL ctid: unique within the one statement that reads the pairs), so
// two parent rows with equal keys are still told apart. Direct-mapped and fixed in size: memory does not
// grow with the tables; a collision only costs a recomputation.
class ParentHashCache {
public:
    struct Entry {
        std::uint64_t identity = 0;
        std::uint64_t hash = 0;
        bool used = false;
        bool rejected = false;  // the parent row is not loaded (--on-bad-value=reject): no pair
    };
    const Entry* find(std::uint64_t identity) const {
        const Entry& e = slots_[mix(identity) & k_mask];
        return e.used && e.identity == identity ? &e : nullptr;
    }
    void store(std::uint64_t identity, std::uint64_t hash, bool rejected) { slots_[mix(identity) & k_mask] = {identity, hash, true, rejected}; }

private:
    static constexpr std::size_t k_slots = std::size_t{1} << 16;  // 1.5 MiB per check
    static constexpr std::uint64_t k_mask = k_slots - 1;
    std::vector<Entry> slots_ = std::vector<Entry>(k_slots);
};

// One joined pair's hash: the child's compared values chained, then the parent's contents hash (itself a
// chain over its compared values). Both sides compute it the same way.
constexpr std::uint64_t k_pair_seed = 0x510e527fade682d1ULL;
constexpr std::uint64_t k_parent_seed = 0x1f83d9abfb41bd6bULL;

// A rowid alias the parent does not shadow with a column of its own; "" for WITHOUT ROWID tables.
std::string rowid_alias(const TablePlan& t) {
    if (t.without_rowid) return {};
    for (const char* alias : {"rowid", "_rowid_", "oid"})
        if (!t.column(alias)) return alias;
    return {};
}

// "(block,offset)" -> one number.
std::uint64_t ctid_identity(std::string_view ctid) {
    std::uint64_t block = 0, offset = 0, *part = &block;
    for (const char c : ctid) {
        if (c >= '0' && c <= '9') *part = *part * 10 + static_cast<std::uint64_t>(c - '0');
        if (c == ',') part = &offset;
    }
    return (block << 16) | offset;
}

void verify_foreign_key(const MigrationPlan& plan, const TablePlan& child, const ForeignKeyPlan& fk, const LoadTarget& target,
                        SQLite::Database& db, PgConnection& pg, VerifyReport& report) {
    const TablePlan* parent = find_table(plan, fk.source.parent_table);
    if (!parent || !fk.resolvable) return;
    ++report.foreign_keys_checked;
    const auto child_cols = compared_columns(child), parent_cols = compared_columns(*parent);
    const RowConverter child_conv(child, target.key_namespace), parent_conv(*parent, target.key_namespace);
    auto child_counts = child_conv.make_counts(), parent_counts = parent_conv.make_counts();
    const auto child_names = names_of(child), parent_names = names_of(*parent);
    const std::string rowid = rowid_alias(*parent);

    std::int64_t source_pairs = 0, target_pairs = 0;
    std::uint64_t source_sum = 0, target_sum = 0;
    {
        RowStatement rows(db, sql::sqlite_select_fk_pairs(child.name, child_names, fk.source, parent->name, parent_names,
                                                          rowid.empty() ? "" : "p." + rowid));
        std::vector<SourceValue> cv(child_names.size()), pv(parent_names.size());
        const std::vector<bool> no_orphans(child_conv.orphan_checks().size(), false), no_parent_orphans(parent_conv.orphan_checks().size(), false);
        const int identity_column = static_cast<int>(cv.size() + pv.size());
        ParentHashCache cache;
        ConvertedRow crow, prow;
        std::string scratch;
        while (rows.step()) {
            const std::uint64_t identity = rowid.empty() ? 0 : static_cast<std::uint64_t>(rows.integer(identity_column));
            const ParentHashCache::Entry* cached = rowid.empty() ? nullptr : cache.find(identity);
            std::uint64_t parent_hash = 0;
            bool parent_rejected = false;
            if (cached) {
                parent_hash = cached->hash;
                parent_rejected = cached->rejected;
            } else {
                for (std::size_t i = 0; i < pv.size(); ++i) pv[i] = rows.value(static_cast<int>(cv.size() + i));
                parent_conv.convert(pv, no_parent_orphans, prow, parent_counts);
                parent_rejected = prow.rejected;
                if (!parent_rejected) {
                    parent_hash = k_parent_seed;
                    for (const std::size_t i : parent_cols) {
                        const auto& v = prow.values[i];
                        parent_hash = mix(parent_hash ^ (v ? normalised_hash(parent->columns[i].type(), *v, scratch) : k_null_hash));
                    }
                }
                if (!rowid.empty()) cache.store(identity, parent_hash, parent_rejected);
            }
            if (parent_rejected) continue;
            for (std::size_t i = 0; i < cv.size(); ++i) cv[i] = rows.value(static_cast<int>(i));
            child_conv.convert(cv, no_orphans, crow, child_counts);
            if (crow.rejected) continue;
            std::uint64_t pair = k_pair_seed;
            for (const std::size_t i : child_cols) {
                const auto& v = crow.values[i];
                pair = mix(pair ^ (v ? normalised_hash(child.columns[i].type(), *v, scratch) : k_null_hash));
            }
            ++source_pairs;
            source_sum += mix(mix(pair ^ parent_hash));
        }
    }
    {
        std::vector<PgType> child_types, parent_types;
        for (const std::size_t i : child_cols) child_types.push_back(child.columns[i].type());
        for (const std::size_t i : parent_cols) parent_types.push_back(parent->columns[i].type());
        pg.copy_out_begin(sql::pg_copy_out(sql::pg_select_fk_pairs(target.schema, child.name, target_expressions(child, child_cols, "c"),
                                                                  parent->name, target_expressions(*parent, parent_cols, "p"),
                                                                  fk.source.columns, fk.source.parent_columns, true)),
                          "verifying a foreign key of \"" + child.name + "\"");
        std::string line, scratch;
        std::vector<std::optional<std::string_view>> fields;
        ParentHashCache cache;
        const std::size_t identity_field = child_types.size() + parent_types.size();
        while (pg.copy_out_next(line)) {
            split_copy_row_in_place(line, fields);
            const auto field = [&](std::size_t i) { return i < fields.size() ? fields[i] : std::nullopt; };
            const auto ctid = field(identity_field);
            const std::uint64_t identity = ctid ? ctid_identity(*ctid) : 0;
            const ParentHashCache::Entry* cached = ctid ? cache.find(identity) : nullptr;
            std::uint64_t parent_hash;
            if (cached) {
                parent_hash = cached->hash;
            } else {
                parent_hash = k_parent_seed;
                for (std::size_t k = 0; k < parent_types.size(); ++k) {
                    const auto f = field(child_types.size() + k);
                    parent_hash = mix(parent_hash ^ (f ? normalised_hash(parent_types[k], *f, scratch) : k_null_hash));
                }
                if (ctid) cache.store(identity, parent_hash, false);
            }
            std::uint64_t pair = k_pair_seed;
            for (std::size_t k = 0; k < child_types.size(); ++k) {
                const auto f = field(k);
                pair = mix(pair ^ (f ? normalised_hash(child_types[k], *f, scratch) : k_null_hash));
            }
            ++target_pairs;
            target_sum += mix(mix(pair ^ parent_hash));
        }
    }
    std::string cols;
    for (const auto& c : fk.source.columns) cols += (cols.empty() ? "" : ", ") + c;
    const std::string label = "table \"" + child.name + "\" foreign key (" + cols + ") -> \"" + parent->name + "\"";
    if (source_pairs != target_pairs)
        report.mismatches.push_back(label + ": " + std::to_string(source_pairs) + " joined pairs expected, " +
                                    std::to_string(target_pairs) + " in the target");
    else if (source_sum != target_sum)
        report.mismatches.push_back(label + ": joined parent/child values differ");
}

}  // namespace

VerifyReport verify_migration(const MigrationPlan& plan, const LoadTarget& target, int jobs) {
    VerifyReport report;
    report.ran = true;
    // Tables, then foreign keys, -j checks at a time, each with its own SQLite handle and connection.
    // Mismatches are kept per check so the report lists them in a stable order.
    std::vector<std::pair<const TablePlan*, const ForeignKeyPlan*>> checks;
    for (const auto& t : plan.tables) checks.emplace_back(&t, nullptr);
    for (const auto& t : plan.tables)
        for (const auto& fk : t.foreign_keys) checks.emplace_back(&t, &fk);
    std::vector<VerifyReport> partial(checks.size());
    parallel_for(checks.size(), jobs, [&](std::size_t i) {
        auto db = open_source_database(target.source_path, false);
        PgConnection pg(target.url);
        pg.exec(std::string(sql::k_pg_session_utc), "verifying");
        pg.exec(std::string(sql::k_pg_session_iso_dates), "verifying");
        pg.exec(std::string(sql::k_pg_session_verify_work_mem), "verifying");
        try {
            if (checks[i].second) {
                verify_foreign_key(plan, *checks[i].first, *checks[i].second, target, *db, pg, partial[i]);
            } else {
                verify_table(*checks[i].first, target, *db, pg, partial[i]);
                ++partial[i].tables_checked;
            }
        } catch (const SQLite::Exception& e) {
            throw_source_error(e, target.source_path, "verifying");
        }
    });
    for (const auto& p : partial) {
        report.tables_checked += p.tables_checked;
        report.foreign_keys_checked += p.foreign_keys_checked;
        report.mismatches.insert(report.mismatches.end(), p.mismatches.begin(), p.mismatches.end());
    }
    report.ok = report.mismatches.empty();
    for (const auto& m : report.mismatches) logging::error("verify mismatch", {{"detail", m}});
    return report;
}

}  // namespace aaiti::migrate
