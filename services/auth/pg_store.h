#pragma once
// The PostgreSQL back end: a pool on the primary (WRITE_DB_URL) for writes and security-critical
// reads, and a second pool on READ_DB_URL for Read::replica lookups when it names another server.
#include <memory>

#include "services/auth/store.h"

namespace aaiti::auth {

// Connects (DB_POOL_MIN connections per pool) and applies migrations on the primary. Throws
// UnavailableError when a server is unreachable, ConfigError for a malformed URL.
std::unique_ptr<Store> open_postgres_store(const StorageSettings& settings);

}  // namespace aaiti::auth
