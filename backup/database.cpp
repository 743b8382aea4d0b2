#include "backup/database.h"

#include <pqxx/pqxx>

#include "common/error.h"
#include "common/postgres.h"

namespace aaiti::backup {
namespace {

constexpr const char* k_user_tables_sql =
    "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' ORDER BY 1, 2";

std::unique_ptr<pqxx::connection> connect(const std::string& conninfo) {
    PostgresOptions options;
    options.url = conninfo;
    return connect_postgres(options);
}

ServerFacts facts_of(pqxx::transaction_base& txn) {
    ServerFacts facts;
    facts.version = txn.exec1("SHOW server_version")[0].as<std::string>();
    facts.major = txn.exec1("SELECT current_setting('server_version_num')::int / 10000")[0].as<int>();
    return facts;
}

std::vector<TableRows> count_in(pqxx::transaction_base& txn) {
    std::vector<TableRows> tables;
    for (const auto& row : txn.exec(k_user_tables_sql))
        tables.push_back({row[0].as<std::string>(), row[1].as<std::string>(), 0});
    for (auto& t : tables)
        t.rows = txn.exec1("SELECT count(*) FROM " + txn.quote_name(t.schema) + "." + txn.quote_name(t.name))[0]
                     .as<std::int64_t>();
    return tables;
}

}  // namespace

struct SnapshotSession::Impl {
    std::unique_ptr<pqxx::connection> connection;
    std::unique_ptr<pqxx::work> txn;
    ServerFacts server;
    std::string snapshot;
};

SnapshotSession::SnapshotSession(const std::string& conninfo) : impl_(std::make_unique<Impl>()) {
    impl_->connection = connect(conninfo);
    impl_->txn = std::make_unique<pqxx::work>(*impl_->connection);
    impl_->txn->exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    impl_->server = facts_of(*impl_->txn);
    impl_->snapshot = impl_->txn->exec1("SELECT pg_export_snapshot()")[0].as<std::string>();
}

SnapshotSession::~SnapshotSession() = default;
const ServerFacts& SnapshotSession::server() const { return impl_->server; }
const std::string& SnapshotSession::snapshot_id() const { return impl_->snapshot; }
std::vector<TableRows> SnapshotSession::count_rows() { return count_in(*impl_->txn); }

ServerFacts server_facts(const std::string& conninfo) {
    auto connection = connect(conninfo);
    pqxx::read_transaction txn(*connection);
    return facts_of(txn);
}

std::vector<TableRows> count_rows(const std::string& conninfo) {
    auto connection = connect(conninfo);
    pqxx::read_transaction txn(*connection);
    return count_in(txn);
}

bool database_has_objects(const std::string& conninfo) {
    auto connection = connect(conninfo);
    pqxx::read_transaction txn(*connection);
    const auto count = txn.exec1(
        "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "        WHERE c.relkind IN ('r','p','v','m','S','f') AND n.nspname NOT IN ('pg_catalog','information_schema') "
        "        AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%') + "
        "       (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "        WHERE n.nspname NOT IN ('pg_catalog','information_schema'))")[0]
                           .as<std::int64_t>();
    return count > 0;
}

bool database_exists(const std::string& maintenance_conninfo, const std::string& name) {
    auto connection = connect(maintenance_conninfo);
    pqxx::read_transaction txn(*connection);
    return !txn.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", name).empty();
}

void create_database(const std::string& maintenance_conninfo, const std::string& name) {
    auto connection = connect(maintenance_conninfo);
    pqxx::nontransaction txn(*connection);  // CREATE DATABASE cannot run inside a transaction block
    txn.exec("CREATE DATABASE " + txn.quote_name(name));
}

void drop_database(const std::string& maintenance_conninfo, const std::string& name) {
    auto connection = connect(maintenance_conninfo);
    pqxx::nontransaction txn(*connection);
    txn.exec("DROP DATABASE IF EXISTS " + txn.quote_name(name) + " WITH (FORCE)");
}

}  // namespace aaiti::backup
