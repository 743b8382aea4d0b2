// The acceptor side of the kit: one io_context + SO_REUSEPORT acceptor per I/O thread, signal
// handling for run(), and graceful shutdown. Connections live in internal/session.cpp.
#include "services/kit/server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "build_info.h"
#include "common/error.h"
#include "common/logging.h"
#include "services/kit/internal/io_thread.h"
#include "services/kit/io_context.h"

namespace aaiti::kit {

using namespace internal;

namespace {

using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

std::string host_for_url(const std::string& host) {
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

// Connections taken from the accept queue in one go after an accept completes (HAProxy's
// tune.maxaccept idea). One accept per turn of the event loop would make each new connection of a
// burst wait behind every busy connection's turn: 1000 clients connecting at once then saw p99s of
// most of a second at the start.
constexpr int k_accept_batch = 64;

// The I/O thread holding the fewest connections. SO_REUSEPORT spreads connections over the threads'
// listeners by a hash of their addresses (30 keep-alive clients landed 15/9/6 on three threads in the
// kit's test), and the busier thread's clients wait longer for their turn. HAProxy, too, gives a new
// connection to its least loaded thread.
IoThread& least_loaded(IoThread& here) {
    IoThread* best = &here;
    for (IoThread* t : here.peers)
        if (t->connections.load(std::memory_order_relaxed) < best->connections.load(std::memory_order_relaxed)) best = t;
    return *best;
}

void serve(IoThread& t, IoSocket socket) {
    beast::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    start_session(t, std::move(socket));
}

// A descriptor on its way to another I/O thread: closed if the hand-over never runs (the server
// stopped, destroying the posted handler, before that thread got to it).
class HandedOver {
public:
    explicit HandedOver(int fd) : fd_(fd) {}
    HandedOver(HandedOver&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    HandedOver& operator=(HandedOver&&) = delete;
    ~HandedOver() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }
    void release() { fd_ = -1; }  // a socket owns it now

private:
    int fd_;
};

// Serves the connection on this thread or hands it to a less loaded one: the descriptor leaves this
// thread's reactor and joins the other's, which starts the session on its own thread.
void admit(IoThread& t, IoSocket socket) {
    if (t.core.open_connections.load(std::memory_order_relaxed) >= t.core.options.max_connections) {
        reject_connection(t, std::move(socket));
        return;
    }
    IoThread& target = least_loaded(t);
    target.connections.fetch_add(1, std::memory_order_relaxed);  // now, so a burst of accepts spreads out
    if (&target == &t) return serve(t, std::move(socket));
    beast::error_code ec;
    const tcp protocol = socket.local_endpoint(ec).protocol();
    const int fd = ec ? -1 : socket.release(ec);
    if (ec || fd < 0) {  // cannot move it: serve it here after all
        target.connections.fetch_sub(1, std::memory_order_relaxed);
        t.connections.fetch_add(1, std::memory_order_relaxed);
        return serve(t, std::move(socket));
    }
    asio::post(target.ioc, [&target, protocol, handed = HandedOver(fd)]() mutable {
        IoSocket moved(target.ioc);
        beast::error_code assign_error;
        moved.assign(protocol, handed.get(), assign_error);
        if (assign_error) {  // not taken: `handed` closes it
            target.connections.fetch_sub(1, std::memory_order_relaxed);
            return;
        }
        handed.release();
        serve(target, std::move(moved));
    });
}

IoTask<void> accept_loop(IoThread& t) {
    beast::error_code ec;
    for (;;) {
        IoSocket socket(t.ioc);
        co_await t.acceptor->async_accept(socket, asio::redirect_error(use_io_task, ec));
        if (ec == asio::error::operation_aborted || !t.acceptor->is_open()) co_return;
        if (ec) {
            // EMFILE/ENFILE/ENOBUFS: the kernel keeps the connection queued; back off instead of spinning.
            logging::warn("accept failed", {{"error", ec.message()}});
            IoTimer pause(t.ioc, std::chrono::milliseconds(50));
            co_await pause.async_wait(asio::redirect_error(use_io_task, ec));
            continue;
        }
        admit(t, std::move(socket));
        // The acceptor is non-blocking: would_block once the queue is empty. Any other error is
        // left to the next async_accept, which reports it.
        for (int i = 0; i < k_accept_batch; ++i) {
            IoSocket next(t.ioc);
            t.acceptor->accept(next, ec);
            if (ec) break;
            admit(t, std::move(next));
        }
    }
}

// The I/O thread a handler runs on (services/kit/io_context.h).
thread_local asio::io_context* t_current_io_context = nullptr;
thread_local int t_current_io_thread_index = -1;

void run_io_thread(IoThread& t, int index) {
    t_current_io_context = &t.ioc;
    t_current_io_thread_index = index;
    for (;;) {
        try {
            t.ioc.run();
            return;
        } catch (const std::exception& e) {
            // Connections catch their own errors; this is a last line so one bug cannot stop a thread.
            logging::error("kit: I/O thread caught an exception", {{"error", e.what()}});
        }
    }
}

}  // namespace

asio::io_context* current_io_context() noexcept { return t_current_io_context; }
int current_io_thread_index() noexcept { return t_current_io_thread_index; }

struct Server::Impl {
    explicit Impl(ServerOptions o) : core(std::move(o)) {}

    ServerCore core;  // outlives the threads (declared first, destroyed last)
    std::vector<std::unique_ptr<IoThread>> threads;
    std::uint16_t port = 0;

    std::mutex lifecycle;  // start/stop
    bool started = false;
    bool stopped = false;

    std::mutex wake_mutex;  // run() waiting for a signal or stop()
    bool stop_requested = false;
    asio::io_context* control = nullptr;
    asio::signal_set* signals = nullptr;

    void bind_all();
    void shutdown();
    bool wait_for_connections(std::chrono::milliseconds limit) const;
    void wake_run();
};

Server::Server(ServerOptions options) {
    validate(options);
    if (options.threads == 0) options.threads = std::max(1u, std::thread::hardware_concurrency());
    impl_ = std::make_unique<Impl>(std::move(options));
    add_worker_pool(std::string(k_default_pool), impl_->core.options.worker_threads, impl_->core.options.worker_queue_capacity);
    if (impl_->core.options.builtin_routes) add_builtin_routes(impl_->core);
    // What runs where, for dashboards and alerts: SERVICE_VERSION and NODE_ENV as labels of a constant 1.
    const ServerOptions& o = impl_->core.options;
    impl_->core.registry
        .gauge("aaiti_build_info",
               "Always 1; the version (SERVICE_VERSION), git revision and environment (NODE_ENV) of the process.",
               {"version", "revision", "environment"})
        .with({effective_service_version(o), build_info::k_git_revision, o.environment})
        .set(1);
}

Server::~Server() {
    try {
        stop();
    } catch (...) {
    }
}

Server& Server::route(std::string_view method, std::string_view path_template, Handler handler) {
    impl_->core.router.add(method, path_template, {Dispatch::inline_io, std::move(handler), {}, RequestBody::buffered});
    return *this;
}

Server& Server::route_blocking(std::string_view method, std::string_view path_template, Handler handler, std::string_view pool) {
    WorkerPoolSlot* slot = impl_->core.find_pool(pool);
    if (!slot)
        throw ConfigError("kit: route " + std::string(method) + " " + std::string(path_template) + " names worker pool \"" +
                          std::string(pool) + "\", which was not added; call add_worker_pool first");
    impl_->core.router.add(method, path_template, {Dispatch::worker_pool, std::move(handler), {}, RequestBody::buffered, slot});
    return *this;
}

Server& Server::add_worker_pool(std::string name, std::size_t threads, std::size_t queue_capacity, int nice) {
    auto& core = impl_->core;
    if (core.find_pool(name)) throw ConfigError("kit: worker pool \"" + name + "\" was added twice");
    if (threads == 0) throw ConfigError("kit: worker pool \"" + name + "\" needs at least one thread");
    if (nice < 0 || nice > 19) throw ConfigError("kit: worker pool \"" + name + "\": niceness must be 0..19");
    {
        std::lock_guard lock(impl_->lifecycle);
        if (impl_->started) throw ConfigError("kit: worker pool \"" + name + "\" added after start()");
    }
    auto slot = std::make_unique<WorkerPoolSlot>();
    slot->name = std::move(name);
    slot->threads = threads;
    slot->queue_capacity = queue_capacity;
    slot->nice = nice;
    slot->queued = &core.http_metrics.worker_pool_queued.with({slot->name});
    slot->rejected = &core.http_metrics.worker_pool_rejected.with({slot->name});
    core.pools.push_back(std::move(slot));
    return *this;
}

Server& Server::route_async(std::string_view method, std::string_view path_template, AsyncHandler handler) {
    impl_->core.router.add(method, path_template, {Dispatch::async, {}, std::move(handler), RequestBody::buffered});
    return *this;
}

Server& Server::fallback_async(std::string route_label, AsyncHandler handler, RequestBody request_body) {
    impl_->core.fallback = {Dispatch::async, {}, std::move(handler), request_body};
    impl_->core.fallback_route = std::move(route_label);
    return *this;
}

Server& Server::add_readiness_check(std::string name, ReadinessCheck check) {
    impl_->core.readiness.add(std::move(name), std::move(check));
    return *this;
}

metrics::Registry& Server::metrics() { return impl_->core.registry; }
const ServerOptions& Server::options() const { return impl_->core.options; }
std::uint16_t Server::port() const { return impl_->port; }
bool Server::draining() const { return impl_->core.draining.load(); }

std::string Server::base_url() const {
    return "http://" + host_for_url(impl_->core.options.host) + ":" + std::to_string(impl_->port);
}

void Server::Impl::bind_all() {
    const auto& o = core.options;
    beast::error_code ec;
    auto address = asio::ip::make_address(o.host, ec);
    if (ec) throw ConfigError("listen host \"" + o.host + "\" is not an IP address literal: " + ec.message());
    tcp::endpoint endpoint(address, o.port);
    auto fail = [&](const char* step, const beast::error_code& e) {
        throw IoError("kit: cannot " + std::string(step) + " " + host_for_url(o.host) + ":" + std::to_string(endpoint.port()) +
                      ": " + e.message());
    };

    // SO_REUSEPORT would let us share a port with another process of the same user that also set
    // it (a second copy of the service, say) without any error. Probe with a plain bind first so
    // "address already in use" is reported as it would be without SO_REUSEPORT.
    if (o.port != 0) {
        asio::io_context probe_ioc;
        tcp::acceptor probe(probe_ioc);
        probe.open(endpoint.protocol(), ec);
        // SO_REUSEADDR still refuses a port someone listens on, but not one held only by TIME_WAIT
        // connections of a copy that just stopped: a restarted service must get its port back.
        if (!ec) probe.set_option(asio::socket_base::reuse_address(true), ec);
        if (!ec) probe.bind(endpoint, ec);
        if (ec) fail("listen on", ec);
    }

    for (unsigned i = 0; i < o.threads; ++i) {
        auto t = std::make_unique<IoThread>(core);
        t->acceptor.emplace(t->ioc);
        auto& a = *t->acceptor;
        a.open(endpoint.protocol(), ec);
        if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
        if (!ec) a.set_option(reuse_port(true), ec);
        if (!ec) a.bind(endpoint, ec);
        if (ec) fail("listen on", ec);
        a.listen(asio::socket_base::max_listen_connections, ec);
        if (!ec) a.non_blocking(true, ec);  // accept_loop drains the queue with non-blocking accepts
        if (ec) fail("listen on", ec);
        if (endpoint.port() == 0) endpoint.port(a.local_endpoint().port());  // port 0: the others join the first's port
        core.in_flight_per_thread.push_back(&t->state.in_flight);
        threads.push_back(std::move(t));
    }
    for (auto& t : threads)
        for (auto& peer : threads) t->peers.push_back(peer.get());
    port = endpoint.port();
}

void Server::start() {
    std::lock_guard lock(impl_->lifecycle);
    if (impl_->started) return;
    auto& core = impl_->core;
    impl_->bind_all();
    for (auto& slot : core.pools) slot->pool = std::make_unique<WorkerPool>(slot->threads, slot->queue_capacity, slot->nice);
    int index = 0;
    for (auto& t : impl_->threads) {
        t->work.emplace(t->ioc.get_executor());
        asio::co_spawn(t->ioc, accept_loop(*t), asio::detached);
        t->thread = std::thread([raw = t.get(), index] { run_io_thread(*raw, index); });
        ++index;
    }
    impl_->started = true;
}

bool Server::Impl::wait_for_connections(std::chrono::milliseconds limit) const {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (core.open_connections.load() > 0) {
        if (std::chrono::steady_clock::now() >= until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

void Server::Impl::shutdown() {
    core.draining.store(true);
    const auto begun = std::chrono::steady_clock::now();
    // Probes waiting for readiness checks are answered now (draining): their responders must be
    // answered before the I/O threads stop, and a draining server is not ready whatever the checks say.
    core.readiness.close();
    // 1. Stop accepting (a closed listener refuses new connections) and close idle connections.
    for (auto& t : threads)
        asio::post(t->ioc, [raw = t.get()] {
            beast::error_code ec;
            raw->acceptor->close(ec);
            drain_sessions(*raw, false);
        });
    // 2. In-flight requests finish; their responses say Connection: close.
    const bool drained = wait_for_connections(core.options.drain_timeout);
    if (!drained) {
        logging::warn("kit: drain timeout reached; closing remaining connections",
                      {{"open_connections", static_cast<std::uint64_t>(core.open_connections.load())}});
        for (auto& t : threads) asio::post(t->ioc, [raw = t.get()] { drain_sessions(*raw, true); });
        wait_for_connections(std::chrono::milliseconds(500));
    }
    // 3. Blocking work: running tasks finish, queued ones are dropped (their requests are gone).
    for (auto& slot : core.pools)
        if (slot->pool) slot->pool->shutdown();
    // 4. Stop the I/O threads and join them. Whatever is still pending (a lingering close, a
    //    connection that ignored the forced close) is destroyed with its io_context.
    for (auto& t : threads) t->ioc.stop();
    for (auto& t : threads)
        if (t->thread.joinable()) t->thread.join();
    logging::info("kit: stopped",
                  {{"drained", drained},
                   {"shutdown_ms", static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                                 std::chrono::steady_clock::now() - begun)
                                                                 .count())}});
}

void Server::Impl::wake_run() {
    std::lock_guard lock(wake_mutex);
    stop_requested = true;
    if (control && signals) asio::post(*control, [s = signals] {
        beast::error_code ec;
        s->cancel(ec);
    });
}

void Server::stop() {
    {
        std::lock_guard lock(impl_->lifecycle);
        if (impl_->started && !impl_->stopped) {
            impl_->shutdown();
            impl_->stopped = true;
        }
    }
    impl_->wake_run();
}

int Server::run() {
    start();
    {
        asio::io_context control(1);
        asio::signal_set signals(control, SIGINT, SIGTERM);
        signals.async_wait([](const beast::error_code& ec, int signal_number) {
            if (!ec)
                logging::info("kit: signal received, draining", {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
        });
        {
            std::lock_guard lock(impl_->wake_mutex);
            if (!impl_->stop_requested) {
                impl_->control = &control;
                impl_->signals = &signals;
            }
        }
        if (impl_->control) control.run();
        std::lock_guard lock(impl_->wake_mutex);
        impl_->control = nullptr;
        impl_->signals = nullptr;
    }
    stop();
    return exit_code::k_ok;
}

}  // namespace aaiti::kit
