#include "tests/migrate/target_snapshot.h"

#include "tests/support/test_servers.h"

namespace aaiti::test {

TargetSnapshot snapshot_target(const std::string& url, const std::string& schema) {
    TargetSnapshot s;
    const std::string names = query_scalar(
        url, "SELECT string_agg(relname, E'\\n' ORDER BY relname) FROM pg_class WHERE relnamespace = '" + schema +
                 "'::regnamespace AND relkind = 'r' AND relname <> 'aaiti_migrate_state'");
    std::size_t start = 0;
    while (start < names.size()) {
        auto end = names.find('\n', start);
        if (end == std::string::npos) end = names.size();
        const std::string table = names.substr(start, end - start);
        s.tables[table] = query_scalar(url, "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') FROM \"" +
                                                schema + "\".\"" + table + "\" t");
        start = end + 1;
    }
    s.constraints = query_scalar(url, "SELECT string_agg(conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid), E'\\n' "
                                      "ORDER BY conrelid::regclass::text, conname) FROM pg_constraint WHERE connamespace = '" +
                                          schema + "'::regnamespace AND conrelid::regclass::text NOT LIKE '%aaiti_migrate_state'");
    s.indexes = query_scalar(url, "SELECT string_agg(indexdef, E'\\n' ORDER BY indexdef) FROM pg_indexes WHERE schemaname = '" + schema +
                                      "' AND tablename <> 'aaiti_migrate_state'");
    return s;
}

}  // namespace aaiti::test
