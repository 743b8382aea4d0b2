// `aaiti-auth` (serve): configuration, logging, store, kit server, run until a signal.
#include "services/auth/auth_service.h"

#include <algorithm>

#include "common/config.h"
#include "common/error.h"
#include "common/logging.h"
#include "common/secrets.h"
#include "services/auth/config_loading.h"
#include "services/auth/store.h"
#include "services/kit/server.h"

namespace aaiti::auth {

int serve(const ServeOptions& options) {
    const Config config = load_config_and_logging(options);
    const AuthSettings settings = auth_settings_from_config(config);

    const auto address = kit::parse_listen_address(options.listen);
    kit::ServerOptions server_options;
    server_options.host = address.host;
    server_options.port = address.port;
    server_options.threads = options.threads;
    kit::apply_client_config(config, server_options);
    // Every route is a blocking one (database, argon2id). The default pool serves the database routes:
    // enough workers to keep the connection pool busy, and a queue deep enough for a gateway's burst
    // of 1000+ concurrent users (a request that waits its turn beats a 503). Password hashing has its
    // own small pool and short queue (AuthService::register_routes, AUTH_HASH_*): hashes are CPU-bound
    // for tens of milliseconds each, so waiting behind thousands of them would be no service at all,
    // and sharing these workers with them is how a login surge once stalled every route.
    server_options.worker_threads = std::max<std::size_t>(server_options.worker_threads,
                                                          static_cast<std::size_t>(settings.storage.pool_max));
    server_options.worker_queue_capacity = 8192;

    auto store = open_store(settings.storage);
    const std::string backend = store->backend();
    kit::Server server(server_options);
    // The service needs the server's metrics registry, so it is created after the server and destroyed
    // before it: the explicit stop() below joins every worker thread before the service goes away.
    AuthService service(settings, std::move(store), server.metrics());
    service.register_routes(server);
    server.start();
    logging::info("aaiti-auth listening",
                  {{"url", server.base_url()},
                   {"backend", backend},
                   {"database", backend == "sqlite" ? settings.storage.sqlite_path
                                                     : mask_secrets_in_url(settings.storage.write_url)},
                   {"read_database", backend == "sqlite" ? std::string() : mask_secrets_in_url(settings.storage.read_url)},
                   {"threads", server.options().threads},
                   {"hash_concurrency", static_cast<std::uint64_t>(settings.hash_concurrency)},
                   {"hash_queue", static_cast<std::uint64_t>(settings.hash_queue)}});
    const int code = server.run();
    server.stop();
    return code;
}

}  // namespace aaiti::auth
