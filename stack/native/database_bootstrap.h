#pragma once
// The first start of the native primary: the application database and the replication role, made once
// PostgreSQL accepts connections (initdb cannot create either). Idempotent: a later start only re-sets
// the replication password, so a changed secrets file takes effect. Started without a replica, it drops
// the replica's slot if one is left (idle), so the primary stops keeping WAL for a replica that is gone.
#include <string>

namespace aaiti::stack::native {

struct DatabaseBootstrap {
    int port = 0;
    std::string user;       // the cluster's superuser (initdb -U), database.user
    std::string password;
    std::string database;   // database.name
    std::string replication_user;
    std::string replication_password;
    bool with_replica = false;  // the replica profile is on: its slot (stack_model.h) is kept
};

// Throws UnavailableError when the server cannot be reached, DataError when a statement fails.
void bootstrap_database(const DatabaseBootstrap& bootstrap);

}  // namespace aaiti::stack::native
