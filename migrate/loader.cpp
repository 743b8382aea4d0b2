#include "migrate/loader.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <numeric>
#include <strings.h>

#include "common/logging.h"
#include "migrate/copy_text.h"
#include "migrate/parallel.h"
#include "migrate/pg_connection.h"
#include "migrate/row_converter.h"
#include "migrate/sql.h"
#include "migrate/sqlite_source.h"
#include "migrate/sqlite_value.h"
#include "migrate/state_codec.h"

namespace aaiti::migrate {
namespace {

// COPY data is handed to libpq in chunks of about this size: large enough to keep the server busy,
// small enough that memory does not grow with the table.
constexpr std::size_t k_copy_chunk = 1 << 20;

std::string fk_label(const SourceForeignKey& fk) {
    std::string cols;
    for (const auto& c : fk.columns) cols += (cols.empty() ? "" : ", ") + c;
    return "foreign key (" + cols + ") -> \"" + fk.parent_table + "\"";
}

// How a table's batches are ordered, so a cursor can say where the last committed one ended.
struct BatchOrder {
    std::string rowid;                     // "rowid", "_rowid_" or "oid"; "" when batches follow the key
    std::vector<std::string> key_columns;  // primary key order when there is no usable rowid
    std::vector<std::size_t> key_indexes;  // their positions among the table's columns
    bool resumable() const { return !rowid.empty() || !key_columns.empty(); }
};

BatchOrder batch_order(const TablePlan& table) {
    BatchOrder order;
    if (!table.without_rowid) {
        // A column may take a rowid name; SQLite then resolves the name to the column, so try the others.
        for (const char* name : {"rowid", "_rowid_", "oid"})
            if (!table.column(name)) {
                order.rowid = name;
                return order;
            }
    }
    for (const auto& key : table.primary_key)
        for (std::size_t i = 0; i < table.columns.size(); ++i)
            if (strcasecmp(table.columns[i].name.c_str(), key.c_str()) == 0) {
                order.key_columns.push_back(table.columns[i].name);
                order.key_indexes.push_back(i);
            }
    if (order.key_columns.size() != table.primary_key.size()) order.key_columns.clear(), order.key_indexes.clear();
    return order;
}

std::string joined_counts(const ConversionCounts& c) { return encode_counts(c.values_nulled) + ";" + encode_counts(c.orphans_nulled); }

void restore_counts(const TableRunState& state, ConversionCounts& c) {
    const auto semicolon = state.counts.find(';');
    if (semicolon == std::string::npos) return;
    c.values_nulled = decode_counts(state.counts.substr(0, semicolon), c.values_nulled.size());
    c.orphans_nulled = decode_counts(state.counts.substr(semicolon + 1), c.orphans_nulled.size());
    c.rows_rejected = state.rows_rejected;
}

TableLoadResult load_table(const TablePlan& table, std::size_t index, const LoadTarget& target, RejectsFile& rejects,
                           const AfterTableLoad& after_commit, LoadResume* resume) {
    TableRunState* state = resume ? &(*resume->tables)[index] : nullptr;
    if (state && (state->phase == phase::k_loaded || state->phase == phase::k_indexed)) {
        // Committed by an earlier run: nothing to read again.
        TableLoadResult done = load_result_from_state(table, *state);
        if (target.progress) target.progress->table_done(index, done.rows_read);
        if (state->phase == phase::k_loaded && after_commit) {
            PgConnection pg(target.url);
            after_commit(index, pg);
        }
        return done;
    }
    const auto started = std::chrono::steady_clock::now();
    TableLoadResult result;
    const RowConverter converter(table, target.key_namespace);
    ConversionCounts counts = converter.make_counts();
    std::vector<std::string> names;
    for (const auto& c : table.columns) names.push_back(c.name);
    const std::size_t checks = converter.orphan_checks().size();
    const BatchOrder order = batch_order(table);
    // Without a cursor a table is one batch; with one, batches of batch_rows rows.
    const std::int64_t batch_rows = state && order.resumable() ? std::max<std::int64_t>(resume->batch_rows, 1) : 0;

    // Where an earlier run stopped: after its cursor, or (no cursor possible) from an emptied table.
    std::string where;
    OwnedValues cursor;
    bool empty_first = false;
    if (state && state->phase == phase::k_loading) {
        if (order.resumable() && !state->cursor.empty()) {
            cursor = decode_values(state->cursor);
            where = order.rowid.empty() ? sql::sqlite_after_key(order.key_columns) : "c." + order.rowid + " > ?";
            result.rows_read = state->rows_read;
            result.rows_written = state->rows_written;
            restore_counts(*state, counts);
        } else {
            empty_first = true;
        }
    }
    std::vector<std::string> order_by;
    if (!order.rowid.empty()) order_by.push_back("c." + order.rowid);
    for (const auto& k : order.key_columns) order_by.push_back("c." + sql::sqlite_quote(k));

    auto db = open_source_database(target.source_path, false);
    PgConnection pg(target.url);
    const std::string what = "loading table \"" + table.name + "\"";
    const std::string copy_sql = sql::pg_copy_from_stdin(target.schema, table.name, converter.target_columns());
    auto begin_batch = [&] {
        pg.exec(std::string(sql::k_pg_begin), what);
        pg.exec(std::string(sql::k_pg_session_utc), what);
        pg.copy_in_begin(copy_sql, what);
    };
    std::string buffer;
    // Ends the COPY and commits it with the table's state row: the rows and the cursor saying which rows
    // they are land together or not at all.
    auto commit_batch = [&](const char* new_phase, const std::string& new_cursor) {
        pg.copy_in_put(buffer);
        buffer.clear();
        pg.copy_in_end();
        if (state) {
            state->phase = new_phase;
            state->cursor = new_cursor;
            state->rows_read = result.rows_read;
            state->rows_written = result.rows_written;
            state->rows_rejected = counts.rows_rejected;
            state->counts = joined_counts(counts);
            record_table_progress(pg, resume->schema, *state);
        }
        pg.exec(std::string(sql::k_pg_commit), what);
    };
    pg.exec(std::string(sql::k_pg_begin), what);
    pg.exec(std::string(sql::k_pg_session_utc), what);
    if (empty_first) pg.exec(sql::pg_truncate_table(target.schema, table.name), what);
    pg.copy_in_begin(copy_sql, what);
    if (target.progress) target.progress->table_started(index);

    const bool with_rowid = !order.rowid.empty();
    std::vector<SourceValue> values(names.size());
    std::vector<bool> orphan_flags(checks);
    std::vector<SourceValue> key_values(order.key_indexes.size());
    ConvertedRow row;
    buffer.reserve(k_copy_chunk + 64 * 1024);
    std::int64_t in_batch = 0;
    try {
        RowStatement rows(*db, sql::sqlite_select_rows(table.name, names, order.rowid, converter.orphan_checks(), where,
                                                       batch_rows > 0 ? order_by : std::vector<std::string>{}));
        for (std::size_t i = 0; i < cursor.values.size(); ++i) rows.bind(static_cast<int>(i + 1), cursor.values[i]);
        const int first = with_rowid ? 1 : 0;
        while (rows.step()) {
            ++result.rows_read;
            // A relaxed store every 1024 rows: the display reads it at most 10 times a second.
            if (target.progress && (result.rows_read & 1023) == 0) target.progress->table_rows(index, result.rows_read);
            const std::optional<std::int64_t> rowid =
                with_rowid ? std::optional<std::int64_t>(rows.integer(0)) : std::nullopt;
            for (std::size_t i = 0; i < names.size(); ++i) values[i] = rows.value(first + static_cast<int>(i));
            for (std::size_t k = 0; k < checks; ++k) orphan_flags[k] = rows.integer(first + static_cast<int>(names.size() + k)) != 0;
            if (resume && resume->source_may_change) converter.check_values_fit(values);
            // The cursor is taken before conversion, which may set orphan keys NULL.
            const bool batch_ends = batch_rows > 0 && ++in_batch >= batch_rows;
            std::string batch_cursor;
            if (batch_ends) {
                if (with_rowid) {
                    batch_cursor = encode_values({SourceValue::of_integer(*rowid)});
                } else {
                    for (std::size_t k = 0; k < order.key_indexes.size(); ++k) key_values[k] = values[order.key_indexes[k]];
                    batch_cursor = encode_values(key_values);
                }
            }
            for (std::size_t k = 0; k < checks; ++k)
                if (orphan_flags[k])
                    rejects.write(table.name, "orphan",
                                  fk_label(*converter.orphan_checks()[k]) + ": no parent row; key set NULL", rowid, names, values);
            converter.convert(values, orphan_flags, row, counts);
            if (row.rejected) {
                rejects.write(table.name, "bad value", row.reject_reason + "; row rejected", rowid, names, values);
            } else {
                converter.append_copy_row(buffer, row);
                ++result.rows_written;
                if (buffer.size() >= k_copy_chunk) {
                    pg.copy_in_put(buffer);
                    buffer.clear();
                }
            }
            if (batch_ends) {
                commit_batch(phase::k_loading, batch_cursor);
                in_batch = 0;
                begin_batch();
            }
        }
    } catch (const SQLite::Exception& e) {
        throw_source_error(e, target.source_path, "reading table \"" + table.name + "\"");
    }
    commit_batch(phase::k_loaded, "");
    // Only now is the table migrated: the report may say so.
    result.committed = true;
    if (target.progress) target.progress->table_done(index, result.rows_read);
    result.rows_rejected = counts.rows_rejected;
    result.values_nulled = counts.values_nulled;
    result.orphans_nulled = counts.orphans_nulled;
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    logging::info("table loaded", {{"table", table.name},
                                   {"rows", result.rows_written},
                                   {"rejected", result.rows_rejected},
                                   {"seconds", result.seconds}});
    if (after_commit) after_commit(index, pg);
    return result;
}

// Parents before children (a depth-first topological order); cycles are broken arbitrarily.
std::vector<std::size_t> parents_first_order(const MigrationPlan& plan) {
    std::vector<std::size_t> order;
    std::vector<int> state(plan.tables.size(), 0);  // 0 new, 1 visiting, 2 done
    std::function<void(std::size_t)> visit = [&](std::size_t i) {
        if (state[i] != 0) return;
        state[i] = 1;
        for (const auto& fk : plan.tables[i].foreign_keys)
            for (std::size_t p = 0; p < plan.tables.size(); ++p)
                if (p != i && plan.tables[p].name == fk.source.parent_table) visit(p);
        state[i] = 2;
        order.push_back(i);
    };
    for (std::size_t i = 0; i < plan.tables.size(); ++i) visit(i);
    return order;
}

}  // namespace

std::vector<TableLoadResult> load_tables(const MigrationPlan& plan, const LoadTarget& target, int jobs, RejectsFile& rejects,
                                         bool parents_first, const AfterTableLoad& after_commit, LoadResume* resume) {
    std::vector<TableLoadResult> results(plan.tables.size());
    if (target.progress) {
        std::vector<std::string> names;
        std::vector<std::int64_t> totals;
        for (const auto& t : plan.tables) names.push_back(t.name), totals.push_back(t.rows);
        target.progress->begin_load(names, totals);
    }
    // Largest tables first, so the last worker is not left alone with the biggest one.
    std::vector<std::size_t> order(plan.tables.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return plan.tables[a].rows > plan.tables[b].rows; });

    if (parents_first) {
        order = parents_first_order(plan);
        jobs = 1;
    }
    parallel_for(order.size(), jobs, [&](std::size_t i) { results[order[i]] = load_table(plan.tables[order[i]], order[i], target, rejects, after_commit, resume);
    });
    return results;
}

TableLoadResult load_result_from_state(const TablePlan& table, const TableRunState& state) {
    TableLoadResult r;
    r.rows_read = state.rows_read;
    r.rows_written = state.rows_written;
    r.rows_rejected = state.rows_rejected;
    ConversionCounts counts;
    counts.values_nulled.assign(table.columns.size(), 0);
    counts.orphans_nulled.assign(table.foreign_keys.size(), 0);
    restore_counts(state, counts);
    r.values_nulled = counts.values_nulled;
    r.orphans_nulled = counts.orphans_nulled;
    r.committed = true;
    return r;
}

}  // namespace aaiti::migrate
