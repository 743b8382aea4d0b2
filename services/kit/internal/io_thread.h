#pragma once
// One I/O thread: its own io_context (run by exactly one thread, so nothing on it needs a lock),
// its own SO_REUSEPORT acceptor, its request-path state and the connections it owns.
#include <atomic>
#include <cstdint>
#include <list>
#include <optional>
#include <thread>
#include <vector>

#include "services/kit/internal/asio.h"
#include "services/kit/internal/pipeline.h"
#include "services/kit/internal/server_core.h"

namespace aaiti::kit::internal {

class Session;

struct IoThread {
    explicit IoThread(ServerCore& c) : core(c), state(c.http_metrics) {}

    // Declaration order is destruction order reversed: the io_context goes first (destroying any
    // suspended connection, which unregisters itself from `sessions`), the state it uses after it.
    ServerCore& core;
    ThreadState state;
    std::list<Session*> sessions;
    // Connections this thread serves, counting those handed to it and not started yet: read by the other
    // threads' acceptors to choose where a new connection goes (server.cpp), so atomic.
    std::atomic<std::uint32_t> connections{0};
    std::vector<IoThread*> peers;  // every I/O thread of the server, this one included; set before any runs
    // Only this thread runs the context and touches its sockets and timers (shutdown posts to it),
    // so the reactor needs no per-descriptor locks; other threads only post (scheduler stays locked).
    asio::io_context ioc{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    std::optional<IoAcceptor> acceptor;
    std::thread thread;
};

// Serves one accepted connection until it closes.
void start_session(IoThread& thread, IoSocket socket);
// Answers 503 to a connection beyond max_connections without reading its request, then closes it.
void reject_connection(IoThread& thread, IoSocket socket);
// Server shutdown, run on the thread: close idle keep-alive connections; busy ones close after
// their response. With `force`, close every connection now.
void drain_sessions(IoThread& thread, bool force);

}  // namespace aaiti::kit::internal
