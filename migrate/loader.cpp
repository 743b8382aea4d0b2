#include "migrate/loader.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <numeric>

#include "common/logging.h"
#include "migrate/copy_text.h"
#include "migrate/parallel.h"
#include "migrate/pg_connection.h"
#include "migrate/row_converter.h"
#include "migrate/sql.h"
#include "migrate/sqlite_source.h"
#include "migrate/sqlite_value.h"

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

TableLoadResult load_table(const TablePlan& table, std::size_t index, const LoadTarget& target, RejectsFile& rejects,
                           const AfterTableLoad& after_commit) {
    const auto started = std::chrono::steady_clock::now();
    TableLoadResult result;
    const RowConverter converter(table, target.key_namespace);
    ConversionCounts counts = converter.make_counts();
    std::vector<std::string> names;
    for (const auto& c : table.columns) names.push_back(c.name);
    const std::size_t checks = converter.orphan_checks().size();

    auto db = open_source_database(target.source_path, false);
    PgConnection pg(target.url);
    const std::string what = "loading table \"" + table.name + "\"";
    pg.exec(std::string(sql::k_pg_begin), what);
    pg.exec(std::string(sql::k_pg_session_utc), what);
    pg.copy_in_begin(sql::pg_copy_from_stdin(target.schema, table.name, converter.target_columns()), what);

    const bool with_rowid = !table.without_rowid;
    std::vector<SourceValue> values(names.size());
    std::vector<bool> orphan_flags(checks);
    ConvertedRow row;
    std::string buffer;
    buffer.reserve(k_copy_chunk + 64 * 1024);
    try {
        RowStatement rows(*db, sql::sqlite_select_rows(table.name, names, with_rowid, converter.orphan_checks()));
        const int first = with_rowid ? 1 : 0;
        while (rows.step()) {
            ++result.rows_read;
            const std::optional<std::int64_t> rowid =
                with_rowid ? std::optional<std::int64_t>(rows.integer(0)) : std::nullopt;
            for (std::size_t i = 0; i < names.size(); ++i) values[i] = rows.value(first + static_cast<int>(i));
            for (std::size_t k = 0; k < checks; ++k) orphan_flags[k] = rows.integer(first + static_cast<int>(names.size() + k)) != 0;
            for (std::size_t k = 0; k < checks; ++k)
                if (orphan_flags[k])
                    rejects.write(table.name, "orphan",
                                  fk_label(*converter.orphan_checks()[k]) + ": no parent row; key set NULL", rowid, names, values);
            converter.convert(values, orphan_flags, row, counts);
            if (row.rejected) {
                rejects.write(table.name, "bad value", row.reject_reason + "; row rejected", rowid, names, values);
                continue;
            }
            append_copy_row(buffer, row.values);
            ++result.rows_written;
            if (buffer.size() >= k_copy_chunk) {
                pg.copy_in_put(buffer);
                buffer.clear();
            }
        }
    } catch (const SQLite::Exception& e) {
        throw_source_error(e, target.source_path, "reading table \"" + table.name + "\"");
    }
    pg.copy_in_put(buffer);
    pg.copy_in_end();
    pg.exec(std::string(sql::k_pg_commit), what);
    // Only now is the table migrated: the report may say so.
    result.committed = true;
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
                                         bool parents_first, const AfterTableLoad& after_commit) {
    std::vector<TableLoadResult> results(plan.tables.size());
    // Largest tables first, so the last worker is not left alone with the biggest one.
    std::vector<std::size_t> order(plan.tables.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return plan.tables[a].rows > plan.tables[b].rows; });

    if (parents_first) {
        order = parents_first_order(plan);
        jobs = 1;
    }
    parallel_for(order.size(), jobs, [&](std::size_t i) { results[order[i]] = load_table(plan.tables[order[i]], order[i], target, rejects, after_commit);
    });
    return results;
}

}  // namespace aaiti::migrate
