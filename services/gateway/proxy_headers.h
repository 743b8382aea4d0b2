#pragma once
// What a proxy must change in the header sections it forwards (RFC 9110 7.6.1): hop-by-hop fields
// go, X-Forwarded-* and the trace context are set, the identity headers are the gateway's only.
#include <string>
#include <string_view>

#include "services/kit/request.h"

namespace aaiti::gateway {

// Connection, Keep-Alive, TE, Trailer, Transfer-Encoding, Upgrade, Proxy-*, or a field named in
// the message's Connection header (`connection_value`).
bool is_hop_by_hop(std::string_view name, std::string_view connection_value) noexcept;

// Fields the kit writes on every response (framing, ids, trace, security): an upstream's copy is
// dropped so the client sees them once.
bool is_kit_response_field(std::string_view name) noexcept;

struct ForwardContext {
    std::string_view upstream_host;  // "127.0.0.1:3002", the Host when the client sent none
    std::string_view user_id;        // empty: anonymous (public route)
    std::string_view user_role;
    std::string_view path;           // the normalised path (path_normalizer.h) sent upstream; empty: req.path
                                     // (a view of req.path itself: the client's target is sent as is)
};

// The request line and header section sent upstream (HTTP/1.1, keep-alive), ending with the blank
// line; the body (req.body) follows as is, framed by Content-Length. The target is `ctx.path` and the
// client's query exactly as sent.
std::string build_upstream_head(const kit::Request& req, const ForwardContext& ctx);

}  // namespace aaiti::gateway
