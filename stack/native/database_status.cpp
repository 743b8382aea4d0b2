#include "stack/native/database_status.h"

#include <algorithm>
#include <cctype>
#include <future>
#include <pqxx/pqxx>

#include "common/error.h"
#include "common/postgres.h"
#include "common/secrets.h"

namespace aaiti::stack::native {
namespace {

// The only SQL of this file. pg_wal_lsn_diff can be negative right after a replica restarts (the receive
// position restarts at a segment boundary behind what is already replayed): nothing is behind then.
constexpr const char* k_role_sql = "SELECT pg_is_in_recovery()";
constexpr const char* k_replica_lag_sql =
    "SELECT pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::bigint,"
    " extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8";
constexpr const char* k_streaming_replicas_sql =
    "SELECT coalesce(host(client_addr), 'local') || ':' || coalesce(client_port::text, '-') || '/' || application_name"
    " FROM pg_stat_replication WHERE state = 'streaming' ORDER BY 1";
constexpr const char* k_slots_sql =
    "SELECT slot_name, active, coalesce(wal_status, ''), pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint"
    " FROM pg_replication_slots WHERE slot_type = 'physical' ORDER BY 1";

std::string url_component(const std::string& text) {
    static const char k_hex[] = "0123456789ABCDEF";
    std::string out;
    for (const unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out += {'%', k_hex[c >> 4], k_hex[c & 0x0F]};
        }
    }
    return out;
}

std::string describe(const DatabaseNode& node) { return node.name + " on " + std::to_string(node.port); }

// libpq's messages span lines ("...failed: Connection refused\n\tIs the server running..."): one line reads
// better in a table, a JSON field and a log.
std::string one_line(std::string text) {
    for (char& c : text)
        if (c == '\n' || c == '\t' || c == '\r') c = ' ';
    std::string out;
    for (const char c : text)
        if (c != ' ' || (!out.empty() && out.back() != ' ')) out += c;
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

std::unique_ptr<pqxx::connection> connect_node(const DatabaseNode& node, const DatabaseCredentials& credentials,
                                               std::chrono::seconds connect_timeout) {
    PostgresOptions options;
    // sslmode=disable: loopback only, and it saves the SSL negotiation round trip.
    options.url = "postgresql://" + url_component(credentials.user) +
                  (credentials.password.empty() ? "" : ":" + url_component(credentials.password)) + "@127.0.0.1:" +
                  std::to_string(node.port) + "/" + url_component(credentials.database) + "?sslmode=disable";
    options.application_name = "aaitictl-db";
    options.connect_timeout = connect_timeout;
    return connect_postgres(options);  // UnavailableError names the URL with the password masked
}

bool in_recovery(pqxx::transaction_base& tx) { return tx.exec1(k_role_sql)[0].as<bool>(); }

void read_replica_lag(pqxx::transaction_base& tx, DatabaseNodeStatus& status) {
    const pqxx::row row = tx.exec1(k_replica_lag_sql);
    // NULL receive LSN: the WAL receiver has not streamed anything since start (e.g. the primary is down).
    if (row[0].is_null()) return;
    const long long behind = row[0].as<long long>();
    status.lag_bytes = behind > 0 ? behind : 0;
    // On an idle primary the last replayed commit only gets older; with nothing left to replay that age is
    // not lag, so report 0.
    if (behind <= 0)
        status.replay_lag_seconds = 0.0;
    else if (!row[1].is_null())
        status.replay_lag_seconds = std::max(0.0, row[1].as<double>());
}

DatabaseNodeStatus node_status(const DatabaseNode& node, const DatabaseCredentials& credentials, std::chrono::seconds connect_timeout) {
    DatabaseNodeStatus status;
    status.name = node.name;
    status.port = node.port;
    try {
        auto connection = connect_node(node, credentials, connect_timeout);
        pqxx::nontransaction tx(*connection);  // works on a hot standby, and no BEGIN/COMMIT round trips
        const bool replica = in_recovery(tx);
        if (replica) {
            read_replica_lag(tx, status);
        } else {
            for (const auto& row : tx.exec(k_streaming_replicas_sql)) status.replicas_streaming.push_back(row[0].c_str());
            for (const auto& row : tx.exec(k_slots_sql)) {
                ReplicationSlot slot{row[0].c_str(), row[1].as<bool>(), row[2].c_str(), std::nullopt};
                if (!row[3].is_null()) slot.retained_bytes = std::max(0LL, row[3].as<long long>());
                status.slots.push_back(std::move(slot));
            }
        }
        status.role = replica ? "replica" : "primary";
        status.reachable = true;
    } catch (const Error& e) {
        status.error = describe(node) + ": " + one_line(e.what());  // already masked by connect_postgres
    } catch (const std::exception& e) {
        status.error = describe(node) + ": " + one_line(mask_secrets_in_text(e.what()));
    }
    return status;
}

}  // namespace

std::vector<DatabaseNodeStatus> database_status(const std::vector<DatabaseNode>& nodes, const DatabaseCredentials& credentials,
                                                std::chrono::seconds connect_timeout) {
    // One thread per node: a node that hangs until connect_timeout does not delay the others.
    std::vector<std::future<DatabaseNodeStatus>> pending;
    for (const auto& node : nodes)
        pending.push_back(std::async(std::launch::async, [&node, &credentials, connect_timeout] {
            return node_status(node, credentials, connect_timeout);
        }));
    std::vector<DatabaseNodeStatus> statuses;
    for (auto& p : pending) statuses.push_back(p.get());
    return statuses;
}

void promote_replica(const DatabaseNode& node, const DatabaseCredentials& credentials) {
    auto connection = connect_node(node, credentials, std::chrono::seconds(5));
    try {
        pqxx::nontransaction tx(*connection);
        if (!in_recovery(tx)) throw DataError(describe(node) + " is already a primary");
        // wait => true: returns once the node left recovery and accepts writes, false after 60 s.
        if (!tx.exec1("SELECT pg_promote(true, 60)")[0].as<bool>())
            throw OperationFailed(describe(node) + ": promotion did not finish within 60 s; see its server log");
    } catch (const pqxx::broken_connection& e) {
        throw UnavailableError(describe(node) + ": connection lost: " + mask_secrets_in_text(e.what()));
    } catch (const pqxx::sql_error& e) {
        throw OperationFailed(describe(node) + ": promotion failed: " + mask_secrets_in_text(e.what()));
    }
}

}  // namespace aaiti::stack::native
