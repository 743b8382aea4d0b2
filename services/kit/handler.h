#pragma once
// The three handler forms a route can have, chosen at registration (see Server::route*):
//
//  * inline    Response(const Request&) runs on the connection's I/O thread. Fastest; it must not
//              block (no database, no password hashing, no sleeping) or every connection on that
//              thread stalls.
//  * blocking  the same signature, run by the kit on a bounded worker pool (the default one, or a
//              named pool of its own); the response is then written by the connection's own I/O
//              thread. A full queue answers 503 + Retry-After.
//  * async     void(const Request&, Responder): runs on the I/O thread, starts work (an upstream
//              call, a queue message...) and returns at once; the Responder is called exactly once,
//              from any thread, when the work is done. No thread is held meanwhile. This is the form
//              a proxy (the API gateway) uses. The Request stays valid until the Responder is
//              called (copy what outlives that).
#include <functional>
#include <memory>

#include "services/kit/request.h"
#include "services/kit/response.h"

namespace aaiti::kit {

using Handler = std::function<Response(const Request&)>;

namespace detail {
// Implemented by the connection: resumes it on its own I/O thread with the response.
class ResponderState {
public:
    virtual ~ResponderState() = default;
    virtual void complete(Response response) noexcept = 0;
};
}  // namespace detail

// Completes an async request. Copyable and thread-safe; the first call wins, later calls are ignored.
// Dropping every copy without calling it answers 500, so a forgotten path cannot hang a connection.
// Every Responder must be called or dropped before Server::stop() returns.
class Responder {
public:
    Responder() = default;
    explicit Responder(std::shared_ptr<detail::ResponderState> state) : state_(std::move(state)) {}
    void operator()(Response response) const noexcept {
        if (state_) state_->complete(std::move(response));
    }
    explicit operator bool() const noexcept { return static_cast<bool>(state_); }

private:
    std::shared_ptr<detail::ResponderState> state_;
};

using AsyncHandler = std::function<void(const Request&, Responder)>;

enum class Dispatch { inline_io, worker_pool, async };

namespace internal {
struct WorkerPoolSlot;  // one named worker pool of a server (internal/server_core.h)
}

// How an async route gets the request body: whole in Request::body before the handler runs
// (buffered, the default), or as the client sends it through Request::body_stream (streamed: the
// handler starts at the end of the header; a proxy forwards the body without holding it).
enum class RequestBody { buffered, streamed };

// What the router stores for one (method, route).
struct Endpoint {
    Dispatch dispatch = Dispatch::inline_io;
    Handler handler;              // inline_io and worker_pool
    AsyncHandler async_handler;  // async
    RequestBody request_body = RequestBody::buffered;
    internal::WorkerPoolSlot* pool = nullptr;  // worker_pool: which one (set by Server::route_blocking)
};

}  // namespace aaiti::kit
