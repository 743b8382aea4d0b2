// bootstrap_database against the fixture's real primary: what it leaves of the replica's replication slot.
#include <catch2/catch.hpp>

#include <pqxx/pqxx>

#include "common/postgres.h"
#include "stack/native/database_bootstrap.h"
#include "stack/stack_model.h"
#include "tests/support/test_servers.h"

namespace aaiti::stack::native {
namespace {

bool slot_exists(pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    return !tx.exec_params("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", std::string(k_replication_slot)).empty();
}

void create_slot(pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    tx.exec_params("SELECT pg_create_physical_replication_slot($1)", std::string(k_replication_slot));
}

// The fixture's superuser has trust authentication; the replication role is this test's own.
DatabaseBootstrap fixture_bootstrap(bool with_replica) {
    return {test::test_servers().pg_port, "postgres", "", "postgres", "aaiti_bootstrap_test_replication", "repl-pw", with_replica};
}

TEST_CASE("bootstrap keeps the replica's slot with the replica profile and drops it, idle, without", "[pg]") {
    auto conn = connect_postgres({test::test_servers().pg_superuser_url});
    if (slot_exists(*conn)) pqxx::nontransaction(*conn).exec_params("SELECT pg_drop_replication_slot($1)", std::string(k_replication_slot));
    create_slot(*conn);  // as the replica's setup leaves it, with no replica streaming through it now

    bootstrap_database(fixture_bootstrap(true));
    CHECK(slot_exists(*conn));
    // Started again without a replica: nothing will read that WAL any more, so the primary stops keeping it.
    bootstrap_database(fixture_bootstrap(false));
    CHECK_FALSE(slot_exists(*conn));
    bootstrap_database(fixture_bootstrap(false));  // and with no slot left it has nothing to do
    CHECK_FALSE(slot_exists(*conn));
    pqxx::nontransaction(*conn).exec0("DROP ROLE IF EXISTS aaiti_bootstrap_test_replication");
}

}  // namespace
}  // namespace aaiti::stack::native
