#include "services/gateway/proxy_headers.h"

#include "common/client_address.h"
#include "services/kit/headers.h"

namespace aaiti::gateway {

namespace {

// Does the comma-separated token list `list` contain `name` (case-insensitive)?
bool list_contains(std::string_view list, std::string_view name) noexcept {
    while (!list.empty()) {
        auto comma = list.find(',');
        std::string_view item = list.substr(0, comma);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
        if (kit::iequals(item, name)) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) noexcept {
    return s.size() >= prefix.size() && kit::iequals(s.substr(0, prefix.size()), prefix);
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
    out.append(name);
    out.append(": ");
    out.append(value);
    out.append("\r\n");
}

}  // namespace

// Both filters run on every field of every proxied message: they switch on the name's length
// first, so most fields are rejected without a single character compared.
bool is_hop_by_hop(std::string_view name, std::string_view connection_value) noexcept {
    switch (name.size()) {
        case 2:
            if (kit::iequals(name, "te")) return true;
            break;
        case 7:
            if (kit::iequals(name, "trailer") || kit::iequals(name, "upgrade")) return true;
            break;
        case 10:
            if (kit::iequals(name, "connection") || kit::iequals(name, "keep-alive")) return true;
            break;
        case 17:
            if (kit::iequals(name, "transfer-encoding")) return true;
            break;
        default:
            break;
    }
    if (starts_with_ci(name, "proxy-")) return true;
    return !connection_value.empty() && list_contains(connection_value, name);
}

bool is_kit_response_field(std::string_view name) noexcept {
    switch (name.size()) {
        case 4:
            return kit::iequals(name, "date");
        case 11:
            return kit::iequals(name, "traceparent");
        case 12:
            return kit::iequals(name, "content-type") || kit::iequals(name, "x-request-id");
        case 14:
            return kit::iequals(name, "content-length");
        case 15:
            return kit::iequals(name, "x-frame-options") || kit::iequals(name, "referrer-policy");
        case 22:
            return kit::iequals(name, "x-content-type-options");
        default:
            return false;
    }
}

std::string build_upstream_head(const kit::Request& req, const ForwardContext& ctx) {
    // One allocation: the client's fields plus room for the fixed text and the fields set here.
    std::size_t size = 320 + req.method.size() + req.target.size() + req.request_id.size() + ctx.upstream_host.size() +
                       ctx.user_id.size() + ctx.user_role.size();
    for (const auto& h : req.headers) size += h.name.size() + h.value.size() + 4;
    std::string out;
    out.reserve(size);
    out.append(req.method);
    out.push_back(' ');
    // The path as normalised; one it left alone (normalize_path then returns req.path itself) is the
    // client's target, sent as is. An absolute-form target ("GET http://host/x") goes upstream in
    // origin form. The query is the client's, byte for byte.
    const bool as_sent = ctx.path.empty() || ctx.path.data() == req.path.data();
    const std::string_view path = as_sent ? std::string_view(req.path) : ctx.path;
    if (as_sent && !req.target.empty() && req.target.front() == '/') {
        out.append(req.target);
    } else {
        out.append(path);
        if (const auto q = req.target.find('?'); q != std::string::npos) out.append(req.target, q);
    }
    out.append(" HTTP/1.1\r\n");

    // Every Connection field counts (a message may repeat it): join their values.
    std::string connection;
    for (const auto& h : req.headers)
        if (kit::iequals(h.name, "connection")) {
            if (!connection.empty()) connection += ',';
            connection += h.value;
        }
    std::string forwarded_for;
    bool have_host = false;
    for (const auto& h : req.headers) {
        const std::string_view name = h.name;
        if (is_hop_by_hop(name, connection)) continue;
        // We frame the body ourselves (the kit de-chunks it and bounds it). 100-continue is the
        // kit's to answer, when the body is first read. Identity, ids and trace context are the gateway's to set.
        if (kit::iequals(name, "content-length") || kit::iequals(name, "expect") || kit::iequals(name, "x-user-id") ||
            kit::iequals(name, "x-user-role") || kit::iequals(name, "x-request-id") || kit::iequals(name, "traceparent") ||
            kit::iequals(name, "x-forwarded-proto"))
            continue;
        if (kit::iequals(name, "x-forwarded-for")) {
            // Passed on (and appended to below) only from a trusted proxy: from anyone else it is a
            // claim the next hop must not read as ours.
            if (req.peer_is_trusted_proxy) {
                if (!forwarded_for.empty()) forwarded_for += ", ";
                forwarded_for += h.value;
            }
            continue;
        }
        if (kit::iequals(name, "host")) have_host = true;
        append_field(out, name, h.value);
    }
    if (!have_host) append_field(out, "Host", ctx.upstream_host);

    const std::string_view ip = net::host_of_endpoint(req.remote_address);
    out.append("X-Forwarded-For: ");
    if (!forwarded_for.empty()) {
        out.append(forwarded_for);
        out.append(", ");
    }
    out.append(ip);
    out.append("\r\n");
    append_field(out, "X-Forwarded-Proto", "http");
    append_field(out, "X-Request-Id", req.request_id);
    // The gateway's span is the upstream's parent.
    out.append("traceparent: 00-");
    out.append(req.trace_id);
    out.push_back('-');
    out.append(req.span_id);
    out.push_back('-');
    out.append(req.trace_flags);
    out.append("\r\n");
    if (!ctx.user_id.empty()) {
        append_field(out, "X-User-Id", ctx.user_id);
        append_field(out, "X-User-Role", ctx.user_role);
    }
    const bool body_method = req.method == "POST" || req.method == "PUT" || req.method == "PATCH";
    if (req.body_stream) {  // forwarded as it arrives: its length if the client gave one, else chunked
        if (const auto length = req.body_stream->length()) {
            out.append("Content-Length: ");
            out.append(std::to_string(*length));
            out.append("\r\n");
        } else {
            out.append("Transfer-Encoding: chunked\r\n");
        }
    } else if (!req.body.empty() || body_method) {
        out.append("Content-Length: ");
        out.append(std::to_string(req.body.size()));
        out.append("\r\n");
    }
    out.append("\r\n");
    return out;
}

}  // namespace aaiti::gateway
