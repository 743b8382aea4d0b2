#include "services/auth/store.h"

#include "services/auth/pg_store.h"
#include "services/auth/sqlite_store.h"

namespace aaiti::auth {

std::unique_ptr<Store> open_store(const StorageSettings& settings) {
    if (settings.kind == StorageSettings::Kind::postgres) return open_postgres_store(settings);
    return open_sqlite_store(settings.sqlite_path);
}

}  // namespace aaiti::auth
