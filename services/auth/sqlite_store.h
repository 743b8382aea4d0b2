#pragma once
// The SQLite back end: one connection in WAL mode behind a mutex (SQLite serialises writers anyway,
// and the auth workload is a few short statements per request).
#include <memory>
#include <string>

#include "services/auth/store.h"

namespace aaiti::auth {

// Creates the file and its parent directory if needed, applies migrations. Throws IoError when the
// file cannot be opened or created.
std::unique_ptr<Store> open_sqlite_store(const std::string& path);

}  // namespace aaiti::auth
