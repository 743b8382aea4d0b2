#include <nlohmann/json.hpp>

#include "migrate/report.h"

namespace aaiti::migrate {

std::string report_to_json(const MigrationReport& r, int indent) {
    using json = nlohmann::ordered_json;
    json tables = json::array();
    std::int64_t read = 0, written = 0, rejected = 0, orphans = 0;
    for (const auto& t : r.tables) {
        json columns = json::array();
        for (const auto& c : t.columns)
            columns.push_back({{"name", c.name},
                               {"declared_type", c.declared_type},
                               {"storage_classes", c.storage_classes},
                               {"chosen_type", c.chosen_type},
                               {"key", c.key.empty() ? json(nullptr) : json(c.key)},
                               {"not_null", c.not_null},
                               {"coercions", c.coercions},
                               {"values_nulled", c.values_nulled}});
        json fks = json::array();
        for (const auto& f : t.foreign_keys) {
            fks.push_back({{"columns", f.columns},
                           {"parent_table", f.parent_table},
                           {"parent_columns", f.parent_columns},
                           {"orphans", f.orphans},
                           {"orphan_action", f.orphan_action.empty() ? json(nullptr) : json(f.orphan_action)}});
            orphans += f.orphans;
        }
        tables.push_back({{"source_name", t.source_name},
                          {"target_name", t.target_name},
                          {"status", t.status},
                          {"rows_read", t.rows_read},
                          {"rows_written", t.rows_written},
                          {"rows_rejected", t.rows_rejected},
                          {"key_mapping", t.key_mapping},
                          {"load_seconds", t.load_seconds},
                          {"columns", columns},
                          {"foreign_keys", fks}});
        read += t.rows_read;
        written += t.rows_written;
        rejected += t.rows_rejected;
    }
    json objects = json::array();
    for (const auto& o : r.objects)
        objects.push_back({{"kind", o.kind},
                           {"table", o.table},
                           {"name", o.name},
                           {"created", o.created},
                           {"sql", o.sql},
                           {"validate_sql", o.validate_sql.empty() ? json(nullptr) : json(o.validate_sql)},
                           {"reason", o.reason.empty() ? json(nullptr) : json(o.reason)}});
    json phases = json::object();
    for (const auto& p : r.phases) phases[p.name] = p.seconds;
    json verify = nullptr;
    if (r.verify.ran)
        verify = {{"ok", r.verify.ok},
                  {"tables_checked", r.verify.tables_checked},
                  {"foreign_keys_checked", r.verify.foreign_keys_checked},
                  {"mismatches", r.verify.mismatches}};
    const json doc = {
        {"source", r.source},
        {"target", r.target},
        {"schema", r.schema},
        {"plan_only", r.plan_only},
        {"options",
         {{"keys", r.keys},
          {"keep_legacy_ids", r.keep_legacy_ids},
          {"on_bad_value", r.on_bad_value},
          {"on_orphan", r.on_orphan},
          {"if_exists", r.if_exists},
          {"verify", r.verify_requested},
          {"resume", r.resume},
          {"incremental", r.incremental},
          {"finish", r.finish},
          {"batch_rows", r.batch_rows},
          {"jobs", r.jobs}}},
        {"uuid_namespace", r.uuid_namespace},
        {"totals", {{"tables", r.tables.size()}, {"rows_read", read}, {"rows_written", written}, {"rows_rejected", rejected}, {"orphans", orphans}}},
        {"tables", tables},
        {"objects", objects},
        {"warnings", r.warnings},
        {"rejects", {{"file", r.rejects_file.empty() ? json(nullptr) : json(r.rejects_file)}, {"records", r.rejects_written}}},
        {"phases", phases},
        {"verify", verify},
    };
    // Names and values come from the SQLite file: replace invalid UTF-8 rather than throw.
    return doc.dump(indent, ' ', false, json::error_handler_t::replace);
}

}  // namespace aaiti::migrate
