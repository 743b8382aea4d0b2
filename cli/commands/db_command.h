#pragma once
// `aaitictl db status`: the PostgreSQL primary and replica of the stack (stack/native/database_status.h):
// reachable, role, replica lag, streaming replicas; `aaitictl db promote`: the replica becomes the primary.
#include <memory>

#include "commands/command.h"

namespace aaiti::cli {

// Prints the status of `postgres` (database.port) and `postgres-replica` (database.replica_port) of the
// stack file. Returns 0 when a primary answered, 69 (unavailable) when none did.
int run_db_status_command(const GlobalOptions& globals);

// Promotes the replica: through the supervisor of the stack when one runs (it repoints the services), else
// directly on whichever node is a replica. Returns 0 when a node was promoted.
int run_db_promote_command(const GlobalOptions& globals, const std::string& state_dir);

std::unique_ptr<Command> make_db_command();

}  // namespace aaiti::cli
