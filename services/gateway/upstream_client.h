#pragma once
// The gateway's HTTP/1.1 client to its upstreams: non-blocking, on the kit's I/O threads, with a
// keep-alive connection pool per I/O thread and per upstream (no locks: each pool is touched only
// by its thread). Beast lives in upstream_client.cpp only; this header is Beast-free.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/metrics.h"
#include "services/gateway/gateway_options.h"
#include "services/kit/body_source.h"
#include "services/kit/response.h"

namespace aaiti::gateway {

struct ExchangeResult {
    enum class Kind {
        response,       // `response` holds what the upstream answered (its body maybe still streaming)
        connect_error,  // no connection (refused, unreachable, connect timeout): nothing was sent
        timeout,        // sent, but no response (or no whole buffered body) within response_timeout
        failed,         // the exchange broke (reset mid-response, malformed or oversized response)
        client_failed,  // the client's streamed body broke off: the kit answers the client itself
    };
    Kind kind = Kind::failed;
    kit::Response response{kit::Response::Untyped{}};
    std::string detail;  // for logs
};

struct ClientLimits {
    std::chrono::milliseconds connect_timeout{2000};
    std::chrono::milliseconds response_timeout{30000};
    // Responses with a Content-Length up to this are read whole, then answered in one write; longer
    // ones and those of unknown length are streamed through (kit::BodySource).
    std::size_t buffered_body_limit = 64 * 1024;
    std::size_t idle_per_upstream = 1024;
};

class UpstreamClient {
public:
    // Resolves every upstream now (a startup cost; throws ConfigError for a name that does not
    // resolve). `io_threads`: the server's I/O thread count (one pool set each).
    UpstreamClient(const std::vector<UpstreamAddress>& upstreams, unsigned io_threads, ClientLimits limits);
    ~UpstreamClient();  // closes pooled connections: destroy before the kit Server (after stop())
    UpstreamClient(const UpstreamClient&) = delete;
    UpstreamClient& operator=(const UpstreamClient&) = delete;

    using Done = std::function<void(ExchangeResult)>;
    struct Outgoing {
        std::string head;                             // request line and header section (build_upstream_head)
        std::string_view body;                        // a buffered body; must stay valid until `done`
        std::shared_ptr<kit::BodySource> body_stream;  // or the client's body as it arrives
        bool head_request = false;  // the response has no body whatever its Content-Length says
        metrics::Counter* broken_bodies = nullptr;  // counts streamed response bodies that broke off
    };
    // Call on a kit I/O thread. Sends the request to upstream `index` (a pooled connection, or a new
    // one) and calls `done` once, on this same thread.
    void send(std::size_t index, Outgoing request, Done done);

    // The calling kit I/O thread's index (0..io_threads-1), -1 elsewhere.
    static int io_thread_index() noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace aaiti::gateway
