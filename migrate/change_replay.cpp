#include "migrate/change_replay.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include "common/error.h"
#include "common/logging.h"
#include "migrate/change_capture.h"
#include "migrate/copy_text.h"
#include "migrate/pg_connection.h"
#include "migrate/row_converter.h"
#include "migrate/run_state.h"
#include "migrate/sql.h"
#include "migrate/sqlite_source.h"
#include "migrate/sqlite_value.h"

namespace aaiti::migrate {
namespace {

// A row written after the first run may point at a parent that does not exist: under --on-orphan=null
// every foreign key whose columns may hold NULL is checked (the first run checked only those with orphans).
TablePlan replay_plan(const TablePlan& table, const MigrateOptions& options) {
    TablePlan t = table;
    if (options.on_orphan != OrphanPolicy::null) return t;
    for (auto& fk : t.foreign_keys) {
        if (!fk.resolvable) continue;
        bool nullable = true;
        for (const auto& c : fk.source.columns)
            if (const ColumnPlan* cp = t.column(c); !cp || cp->not_null) nullable = false;
        if (nullable) fk.null_orphans = true;
    }
    return t;
}

void bind_range(RowStatement& st, const std::string& table, std::int64_t from, std::int64_t to) {
    st.bind(1, SourceValue::of_text(table));
    st.bind(2, SourceValue::of_integer(from));
    st.bind(3, SourceValue::of_integer(to));
}

// Deletes, in the target, the rows of every key logged for `table`; returns how many keys were logged.
std::int64_t delete_changed_keys(PgConnection& pg, SQLite::Database& db, const TablePlan& table, const RowConverter& converter,
                                 const std::string& schema, std::int64_t from, std::int64_t to) {
    const std::string what = "deleting the changed rows of table \"" + table.name + "\"";
    const std::string delete_sql = sql::pg_delete_by_key(schema, table.name, table.primary_key);
    RowStatement keys(db, sql::sqlite_changed_keys(table.primary_key.size()));
    bind_range(keys, table.name, from, to);
    std::int64_t n = 0;
    std::vector<std::optional<std::string>> params(table.primary_key.size());
    while (keys.step()) {
        ++n;
        bool matchable = true;
        for (std::size_t j = 0; j < table.primary_key.size(); ++j) {
            const ColumnPlan* column = table.column(table.primary_key[j]);
            const SourceValue v = keys.value(static_cast<int>(j));
            // A key the target cannot hold was never loaded: nothing to delete.
            if (!column || v.storage == StorageClass::null || (column->type() != PgType::uuid && !value_fits(v, column->type()))) {
                matchable = false;
                break;
            }
            params[j] = converter.format_value(*column, v);
        }
        if (matchable) pg.exec_params(delete_sql, params, what);
    }
    return n;
}

}  // namespace

ReplayResult replay_changes(const MigrationPlan& plan, const LoadTarget& target, const MigrateOptions& options,
                            std::int64_t applied_seq, RejectsFile& rejects) {
    ReplayResult result;
    result.from_seq = result.to_seq = applied_seq;
    result.changed.assign(plan.tables.size(), false);
    result.keys_changed.assign(plan.tables.size(), 0);
    result.rows_written.assign(plan.tables.size(), 0);

    auto db = open_source_database(target.source_path, false);
    try {
        if (!change_log_exists(*db))
            throw DataError("migrate: source \"" + target.source_path + "\" has no change log (\"" +
                            std::string(sql::k_sqlite_changes_table) +
                            "\"): its changes were not captured; migrate again with --incremental --if-exists drop");
        // One read transaction: every query below sees the same state of the source.
        db->exec("BEGIN");
        {
            SQLite::Statement newest(*db, std::string(sql::k_sqlite_max_change_seq));
            newest.executeStep();
            result.to_seq = newest.getColumn(0).getInt64();
        }
        if (result.to_seq <= applied_seq) {
            db->exec("COMMIT");
            return result;
        }

        PgConnection pg(target.url);
        const std::string what = "replaying the source's changes";
        pg.exec(std::string(sql::k_pg_begin), what);
        pg.exec(std::string(sql::k_pg_session_utc), what);
        pg.exec(std::string(sql::k_pg_defer_constraints), what);
        for (std::size_t i = 0; i < plan.tables.size(); ++i) {
            const TablePlan table = replay_plan(plan.tables[i], options);
            {
                SQLite::Statement count(*db, std::string(sql::k_sqlite_count_changes));
                count.bind(1, table.name);
                count.bind(2, static_cast<int64_t>(applied_seq));
                count.bind(3, static_cast<int64_t>(result.to_seq));
                count.executeStep();
                if (count.getColumn(0).getInt64() == 0) continue;
            }
            result.changed[i] = true;
            const RowConverter converter(table, target.key_namespace);
            std::string where;
            if (table.primary_key.empty()) {
                pg.exec(sql::pg_delete_all(target.schema, table.name), what);
            } else {
                result.keys_changed[i] = delete_changed_keys(pg, *db, table, converter, target.schema, applied_seq, result.to_seq);
                where = sql::sqlite_row_changed(table.primary_key);
            }

            std::vector<std::string> names;
            for (const auto& c : table.columns) names.push_back(c.name);
            const std::size_t checks = converter.orphan_checks().size();
            pg.copy_in_begin(sql::pg_copy_from_stdin(target.schema, table.name, converter.target_columns()), what);
            RowStatement rows(*db, sql::sqlite_select_rows(table.name, names, "", converter.orphan_checks(), where, {}));
            if (!where.empty()) bind_range(rows, table.name, applied_seq, result.to_seq);
            std::vector<SourceValue> values(names.size());
            std::vector<bool> orphan_flags(checks);
            ConversionCounts counts = converter.make_counts();
            ConvertedRow row;
            std::string buffer;
            while (rows.step()) {
                for (std::size_t c = 0; c < names.size(); ++c) values[c] = rows.value(static_cast<int>(c));
                for (std::size_t k = 0; k < checks; ++k) orphan_flags[k] = rows.integer(static_cast<int>(names.size() + k)) != 0;
                converter.check_values_fit(values);
                for (std::size_t k = 0; k < checks; ++k)
                    if (orphan_flags[k])
                        rejects.write(table.name, "orphan", "a row changed after the first run has no parent row; key set NULL",
                                      std::nullopt, names, values);
                converter.convert(values, orphan_flags, row, counts);
                if (row.rejected) {
                    rejects.write(table.name, "bad value", row.reject_reason + "; row rejected", std::nullopt, names, values);
                    continue;
                }
                converter.append_copy_row(buffer, row);
                ++result.rows_written[i];
                if (buffer.size() >= (1u << 20)) {
                    pg.copy_in_put(buffer);
                    buffer.clear();
                }
            }
            pg.copy_in_put(buffer);
            pg.copy_in_end();
            // Rows written with explicit keys do not move an identity: new application rows must not collide.
            if (table.key_column >= 0 && table.columns[static_cast<std::size_t>(table.key_column)].key_role == KeyRole::identity) {
                const std::string& key = table.columns[static_cast<std::size_t>(table.key_column)].name;
                const long long max = std::stoll(pg.query_value(sql::pg_max_value(target.schema, table.name, key), {}, what));
                pg.exec(sql::pg_restart_identity(target.schema, table.name, key, max + 1), what);
            }
        }
        set_applied_seq(pg, target.schema, result.to_seq);
        pg.exec(std::string(sql::k_pg_commit), what);
        db->exec("COMMIT");
    } catch (const SQLite::Exception& e) {
        throw_source_error(e, target.source_path, "reading the change log");
    }
    logging::info("changes replayed", {{"from_seq", result.from_seq}, {"to_seq", result.to_seq}});
    return result;
}

}  // namespace aaiti::migrate
