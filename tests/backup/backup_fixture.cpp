#include "tests/backup/backup_fixture.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "tests/support/test_servers.h"

namespace aaiti::test::backup_fixture {

ProcessResult aaitictl(std::vector<std::string> args, std::chrono::milliseconds timeout) {
    args.insert(args.begin(), binary_path("aaitictl"));
    ProcessOptions options;
    options.unset_env = {"WRITE_DB_URL", "READ_DB_URL", "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD",
                         "BACKUP_REPOSITORY", "BACKUP_KEY_FILE", "BACKUP_PASSPHRASE_FILE", "LOG_LEVEL", "LOG_FORMAT"};
    options.timeout = timeout;
    return run_process(args, options);
}

void seed_trading_tables(const std::string& url, int accounts, int trades) {
    exec_sql(url,
             "CREATE TABLE accounts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), n int UNIQUE, name text, "
             "  balance numeric(18,6), created timestamptz DEFAULT now());"
             "INSERT INTO accounts (n, name, balance) SELECT g, 'acct ' || g, g * 1.5 FROM generate_series(1, " +
                 std::to_string(accounts) + ") g;"
             "CREATE TABLE trades (id bigserial PRIMARY KEY, account_n int REFERENCES accounts(n), price double precision, "
             "  qty int, note text);"
             "INSERT INTO trades (account_n, price, qty, note) SELECT 1 + g % " + std::to_string(accounts) +
                 ", g * 0.01, g % 7, md5(g::text) FROM generate_series(1, " + std::to_string(trades) + ") g;"
             "CREATE INDEX trades_account ON trades (account_n);");
}

std::map<std::string, std::string> table_fingerprints(const std::string& url) {
    std::map<std::string, std::string> out;
    const std::string tables = query_scalar(
        url, "SELECT string_agg(quote_ident(tablename), ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'");
    std::size_t pos = 0;
    while (pos < tables.size()) {
        const auto comma = tables.find(',', pos);
        const std::string table = tables.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        out[table] = query_scalar(url, "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM " +
                                           table + " t");
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return out;
}

std::string created_id(const ProcessResult& result) {
    const auto j = nlohmann::json::parse(result.out, nullptr, false);
    if (j.is_discarded() || !j.contains("id")) throw std::runtime_error("backup create printed no JSON id: " + result.out + result.err);
    return j["id"].get<std::string>();
}

std::string id_from_summary(const std::string& out) {
    const auto start = out.find("backup ");
    if (start == std::string::npos) throw std::runtime_error("no summary line in: " + out);
    return out.substr(start + 7, 21);
}

}  // namespace aaiti::test::backup_fixture
