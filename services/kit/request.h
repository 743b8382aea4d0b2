#pragma once
// The request a handler sees. The kit fills every field before a handler runs; handlers only read it.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/kit/body_source.h"
#include "services/kit/headers.h"

namespace aaiti::kit {

struct PathParam {
    std::string name;   // "id" for the template "/api/users/{id}"
    std::string value;  // percent-decoded
};

struct Request {
    std::string method;      // as sent: "GET", "POST", ...
    std::string target;      // raw request-target: "/api/users/7?fields=name"
    std::string path;        // target up to '?', not decoded: "/api/users/7"
    std::string query;       // after '?', not decoded: "fields=name"
    unsigned version = 11;   // 10 for HTTP/1.0, 11 for HTTP/1.1
    Headers headers;
    std::string body;        // complete body (bounded by ServerOptions::body_limit)
    // Instead of `body`, on routes registered with RequestBody::streamed when the body has not all
    // arrived with the header (a small one that has is in `body`, as on any route): the body as the
    // client sends it (still bounded by body_limit). Read it on the I/O thread, in
    // order, until `end`; a body that breaks off (client gone, too slow, too long) answers `failed`
    // and the kit then replaces the handler's answer with its own 400/408/413 and closes. A handler
    // that answers before reading it all gets its answer sent, and the connection closed after it.
    std::shared_ptr<BodySource> body_stream;
    std::vector<PathParam> params;

    std::string route;       // matched template, "/api/users/{id}"; empty when nothing matched
    std::string request_id;  // accepted X-Request-Id or a generated one
    std::string trace_id;    // W3C trace id (32 hex): the caller's or a new one
    std::string span_id;     // this request's span (16 hex), sent back in traceparent
    std::string parent_span_id;  // the caller's span, empty when the trace started here
    std::string trace_flags;     // W3C trace-flags (2 hex), the caller's or "01"
    std::string remote_address;  // "ip:port" of the peer
    // The client's IP address (no port): the peer's, or, when the peer is one of
    // ServerOptions::trusted_proxies, the one X-Forwarded-For names past the trusted hops
    // (common/client_address.h). Rate limits, lockouts and audit records use this one.
    std::string client_address;
    bool peer_is_trusted_proxy = false;  // its X-Forwarded-For was believed (and may be passed on)

    // The first value of a header (case-insensitive name), or empty.
    std::string_view header(std::string_view name) const noexcept { return headers.get(name); }
    // A path parameter by name, or empty when the route has no such parameter.
    std::string_view param(std::string_view name) const noexcept;
    // The first query parameter `name`, percent-decoded ('+' as space); nullopt when absent.
    std::optional<std::string> query_param(std::string_view name) const;
};

// Percent-decoding ("%2F" -> "/"). With `plus_as_space`, '+' becomes ' ' (form/query encoding).
// Malformed escapes are kept as they are.
std::string percent_decode(std::string_view text, bool plus_as_space = false);

}  // namespace aaiti::kit
