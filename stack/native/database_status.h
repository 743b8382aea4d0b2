#pragma once
// What `aaitictl db status` reports and the failover acts on: for each PostgreSQL node of the native stack,
// whether it answers, whether it is the primary or a replica, how far a replica is behind, and which
// replicas stream from a primary. Plus promoting a replica. No pqxx in this header.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace aaiti::stack::native {

struct DatabaseNode {
    std::string name;  // "postgres" (the primary), "postgres-replica"
    int port = 0;      // on 127.0.0.1
};

// A physical replication slot on a primary (pg_replication_slots).
struct ReplicationSlot {
    std::string name;
    bool active = false;                    // a replica streams through it now
    std::string wal_status;                 // reserved, extended, unreserved or lost (past max_slot_wal_keep_size)
    std::optional<long long> retained_bytes; // WAL the primary keeps for it; unset once the slot is lost
};

struct DatabaseNodeStatus {
    std::string name;
    int port = 0;
    bool reachable = false;
    std::string error;                           // why not reachable; never contains the password
    std::string role;                            // "primary" or "replica" (pg_is_in_recovery); empty if unreachable
    std::optional<double> replay_lag_seconds;    // replica: now() - last replayed commit; 0 when all received WAL is replayed
    std::optional<long long> lag_bytes;          // replica: received but not yet replayed WAL
    std::vector<std::string> replicas_streaming; // primary: "client_addr:port/application_name" of streaming walsenders
    std::vector<ReplicationSlot> slots;          // primary: its physical replication slots, by name
};

struct DatabaseCredentials {
    std::string user, password, database;
};

// Asks every node (concurrently, each bounded by `connect_timeout`); never throws for a node that is down,
// it is reported with reachable = false. Results are in the order of `nodes`.
std::vector<DatabaseNodeStatus> database_status(const std::vector<DatabaseNode>& nodes, const DatabaseCredentials& credentials,
                                                std::chrono::seconds connect_timeout);

// Promotes a replica with pg_promote(wait => true, 60 s) and returns once it accepts writes.
// Throws UnavailableError when the node cannot be reached, DataError when it is not a replica
// ("postgres-replica on 5433 is already a primary"), OperationFailed when promotion did not finish in time.
void promote_replica(const DatabaseNode& node, const DatabaseCredentials& credentials);

}  // namespace aaiti::stack::native
