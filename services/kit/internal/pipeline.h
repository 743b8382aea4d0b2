#pragma once
// The protocol-independent steps of one request, kept out of the Beast TU so they compile fast and
// can be read on their own: request context (ids, trace), response head serialisation (kit headers
// included), and the record of an exchange (metrics + access log).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include "services/kit/request.h"
#include "services/kit/response.h"
#include "services/kit/internal/http_metrics.h"
#include "services/kit/internal/server_core.h"

namespace aaiti::kit::internal {

// The IMF-fixdate for the Date header, formatted once per second per thread.
class DateCache {
public:
    std::string_view now();

private:
    std::time_t second_ = -1;
    std::string text_;
};

// Per-I/O-thread state of the request path (no locks needed).
struct ThreadState {
    explicit ThreadState(HttpMetrics& m) : metrics(m) {}
    HttpMetricsCache metrics;
    DateCache date;
    // Requests in flight on this thread. Written only by its thread (no contended atomic on the
    // request path); /metrics sums the threads' counters into http_requests_in_flight.
    alignas(64) std::atomic<std::int64_t> in_flight{0};
};

// Sets request_id (a valid incoming X-Request-Id, else a new one) and the trace fields (the
// caller's trace from a valid traceparent with a new span, else a new trace).
// Also sets client_address from `peer_ip` and X-Forwarded-For as `trusted_proxies` allow.
void apply_request_context(Request& req, std::string_view peer_ip, const net::NetworkList& trusted_proxies);

struct ResponseContext {
    unsigned version = 11;
    bool keep_alive = true;
    bool head_request = false;  // HEAD: Content-Length of the body, but no body bytes
    std::string_view request_id;
    std::string_view trace_id;  // empty: no traceparent header
    std::string_view span_id;
    std::string_view trace_flags;
    std::string_view date;
};

// How a response body is delimited on the wire: Content-Length (a buffered body, or a streamed one
// of known length), chunked (a streamed body of unknown length to HTTP/1.1), or the end of the
// connection (the same to HTTP/1.0, which has no chunked coding: the caller must not keep it alive).
enum class Framing { content_length, chunked, until_close };
Framing framing_of(const Response& res, unsigned version) noexcept;

// Writes the status line and header section into `out` (cleared first): Content-Type/-Length, Date,
// X-Request-Id, traceparent, security headers, Cache-Control (unless the handler set one),
// Connection, then the handler's own fields (dropped with a warning if they hold CR/LF).
// Returns whether the body must follow (not for HEAD, 1xx, 204, 304).
bool serialize_head(const Response& res, const ResponseContext& ctx, std::string& out);

// An error response of the kit; 503s carry Retry-After.
Response kit_error(const ServerOptions& options, int status, std::string_view code, std::string_view message,
                   std::string_view request_id);

struct ExchangeRecord {
    std::string_view method;
    std::string_view path;
    std::uint32_t route_id = 0;
    std::string_view route;  // "unmatched" when no template matched
    int status = 0;
    double seconds = 0;
    std::size_t bytes = 0;  // response body bytes sent
    bool aborted = false;   // the response was cut off before its end (the client left, a streamed body broke off)
    std::string_view request_id;
    std::string_view trace_id;
    std::string_view remote;
};
// Metrics always; the access-log line when enabled.
void record_exchange(ThreadState& state, const ServerCore& core, const ExchangeRecord& r);

}  // namespace aaiti::kit::internal
