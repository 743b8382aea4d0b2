#pragma once
// The HTTP/1.1 server every service runs on. Keeps Beast/Asio out of this header: a service main is
//
//     aaiti::kit::Server server(options);
//     server.get("/api/users/{id}", [](const kit::Request& r) { return kit::Response::json(200, ...); });
//     server.route_blocking("POST", "/api/login", login);          // runs on the worker pool
//     server.add_readiness_check("db", [&] { return ping_db(); });
//     return server.run();                                       // until SIGTERM/SIGINT, then 0
//
// Built in: /health, /ready, /metrics; X-Request-Id and traceparent handling; one JSON access-log
// line per request; http_* metrics; security headers; JSON error bodies; size limits and timeouts;
// graceful drain. See services/kit/README.md.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "services/kit/handler.h"
#include "services/kit/readiness.h"
#include "services/kit/server_options.h"

namespace aaiti::metrics {
class Registry;
}

namespace aaiti::kit {

class Server {
public:
    // Throws ConfigError for invalid options.
    explicit Server(ServerOptions options);
    ~Server();  // stop()
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Routes are registered before start(). Templates use "{name}" segments; see router.h.
    // Inline: runs on the I/O thread and must not block.
    Server& route(std::string_view method, std::string_view path_template, Handler handler);
    Server& get(std::string_view path_template, Handler handler) { return route("GET", path_template, std::move(handler)); }
    Server& post(std::string_view path_template, Handler handler) { return route("POST", path_template, std::move(handler)); }
    // Blocking: runs on a bounded worker pool (`pool`: the default one, sized by worker_threads and
    // worker_queue_capacity, or one made by add_worker_pool); 503 + Retry-After when its queue is
    // full. ConfigError for a pool that was not added.
    Server& route_blocking(std::string_view method, std::string_view path_template, Handler handler,
                           std::string_view pool = k_default_pool);
    static constexpr std::string_view k_default_pool = "default";
    // One more worker pool for blocking routes, before start(): work of one kind that is slow and
    // comes in bursts (password hashing) then queues and is refused on its own threads, and the other
    // blocking routes keep theirs. `queue_capacity` counts requests waiting for a thread. Metrics are
    // labelled with `name`. `nice` > 0 lowers its threads' CPU priority (Linux niceness, per thread),
    // so CPU-bound work there yields to the I/O threads and the other pools when they have work: a
    // surge of it then costs its own latency, not everyone's. ConfigError for a name already used,
    // zero threads or a niceness outside 0..19.
    Server& add_worker_pool(std::string name, std::size_t threads, std::size_t queue_capacity, int nice = 0);
    // Async: the handler calls the Responder once, from any thread.
    Server& route_async(std::string_view method, std::string_view path_template, AsyncHandler handler);
    // Async handler for every request whose path matches no route (instead of 404): a reverse proxy's
    // catch-all. `route_label` is its Request::route and its metrics route label ("proxy"). A path
    // that matches a route with another method still gets 405. With RequestBody::streamed the
    // handler runs once the header is in and reads the body from Request::body_stream.
    Server& fallback_async(std::string route_label, AsyncHandler handler, RequestBody request_body = RequestBody::buffered);

    Server& add_readiness_check(std::string name, ReadinessCheck check);

    // The registry /metrics renders; services register their own families here too.
    metrics::Registry& metrics();
    const ServerOptions& options() const;

    // Binds one SO_REUSEPORT acceptor per I/O thread and starts the threads; returns at once.
    // Throws IoError when the address cannot be bound.
    void start();
    // The bound port (useful with port 0); 0 before start().
    std::uint16_t port() const;
    // "http://127.0.0.1:PORT" (IPv6 hosts in brackets).
    std::string base_url() const;

    // Graceful shutdown: stop accepting (new connections are refused), close idle keep-alive
    // connections, let in-flight requests finish (their responses carry Connection: close) for at
    // most drain_timeout, then close what is left and join every thread. Blocks until done;
    // idempotent; callable from any thread except the server's own I/O and worker threads.
    void stop();
    // True once stop() (or a signal) has begun.
    bool draining() const;

    // start() if needed, then wait for SIGTERM/SIGINT or stop() from another thread, shut down
    // gracefully and return 0 (the exit code for a service main).
    int run();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace aaiti::kit
