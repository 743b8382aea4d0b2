#include "stack/native/database_bootstrap.h"

#include <pqxx/pqxx>

#include "common/config.h"
#include "common/error.h"
#include "common/postgres.h"
#include "stack/stack_model.h"

namespace aaiti::stack::native {

void bootstrap_database(const DatabaseBootstrap& b) {
    PostgresOptions options;
    options.url = "postgresql://" + percent_encode(b.user) + ":" + percent_encode(b.password) + "@127.0.0.1:" + std::to_string(b.port) +
                  "/postgres";
    options.application_name = "aaitictl-up";
    auto conn = connect_postgres(options);
    try {
        pqxx::nontransaction tx(*conn);
        // CREATE DATABASE cannot run inside a transaction block: nontransaction, one statement at a time.
        if (tx.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", b.database).empty())
            tx.exec0("CREATE DATABASE " + tx.quote_name(b.database));
        const bool role_exists = !tx.exec_params("SELECT 1 FROM pg_roles WHERE rolname = $1", b.replication_user).empty();
        tx.exec0((role_exists ? "ALTER ROLE " : "CREATE ROLE ") + tx.quote_name(b.replication_user) +
                 " WITH REPLICATION LOGIN PASSWORD " + tx.quote(b.replication_password));
        // The replica's setup creates its slot (native_plan.cpp); only an idle one is dropped, never one in use.
        if (!b.with_replica)
            tx.exec_params("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active",
                           std::string(k_replication_slot));
    } catch (const pqxx::sql_error& e) {
        throw DataError("up: preparing the PostgreSQL primary on port " + std::to_string(b.port) + ": " + e.what());
    }
}

}  // namespace aaiti::stack::native
