#include "services/kit/internal/pipeline.h"

#include <charconv>
#include <chrono>

#include "common/logging.h"
#include "services/kit/trace_context.h"

namespace aaiti::kit::internal {

std::string_view DateCache::now() {
    std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    if (t != second_) {
        second_ = t;
        std::tm tm{};
        gmtime_r(&t, &tm);
        char buf[64];
        std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        text_.assign(buf, n);
    }
    return text_;
}

namespace {

// Every X-Forwarded-For field counts, in order (a proxy may add its own field instead of appending).
// Only asked when the peer is trusted; one field, the common case, is returned without a copy.
std::string_view forwarded_for(const Headers& headers, std::string& joined) {
    const std::string* first = nullptr;
    for (const auto& h : headers) {
        if (h.name.size() != 15 || !iequals(h.name, "x-forwarded-for")) continue;
        if (!first) {
            first = &h.value;
            continue;
        }
        if (joined.empty()) joined = *first;
        joined += ',';
        joined += h.value;
    }
    if (!joined.empty()) return joined;
    return first ? std::string_view(*first) : std::string_view();
}

}  // namespace

void apply_request_context(Request& req, std::string_view peer_ip, const net::NetworkList& trusted_proxies) {
    req.peer_is_trusted_proxy = !trusted_proxies.empty() && trusted_proxies.contains(peer_ip);
    if (!req.peer_is_trusted_proxy) {
        req.client_address.assign(peer_ip);
    } else {
        std::string joined;
        req.client_address.assign(net::client_address(peer_ip, forwarded_for(req.headers, joined), trusted_proxies));
    }

    // Written into the request's own strings: a reused Request keeps their storage.
    const std::string* id = req.headers.find("x-request-id");
    if (id && is_valid_request_id(*id))
        req.request_id.assign(*id);
    else
        generate_request_id(req.request_id);

    const std::string* tp = req.headers.find("traceparent");
    std::optional<TraceParentView> parent = tp ? parse_traceparent_view(*tp) : std::nullopt;
    if (parent) {
        req.trace_id.assign(parent->trace_id);
        req.parent_span_id.assign(parent->parent_id);
        req.trace_flags.assign(parent->flags);
    } else {
        generate_trace_id(req.trace_id);
        req.parent_span_id.clear();
        req.trace_flags.assign("01");
    }
    generate_span_id(req.span_id);
}

namespace {

bool safe_field(std::string_view s) noexcept {
    for (char c : s)
        if (c == '\r' || c == '\n' || c == '\0') return false;
    return true;
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
}

void append_number(std::string& out, std::size_t n) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
    (void)ec;
    out.append(buf, end);
}

}  // namespace

Framing framing_of(const Response& res, unsigned version) noexcept {
    if (!res.stream || res.stream->length()) return Framing::content_length;
    return version == 10 ? Framing::until_close : Framing::chunked;
}

bool serialize_head(const Response& res, const ResponseContext& ctx, std::string& out) {
    out.clear();
    const int status = res.status >= 100 && res.status <= 999 ? res.status : 500;
    out += ctx.version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    append_number(out, static_cast<std::size_t>(status));
    out += ' ';
    out += reason_phrase(status);
    out += "\r\n";

    const bool bodiless_status = status < 200 || status == 204 || status == 304;
    if (!bodiless_status) {
        if (!res.content_type.empty() && safe_field(res.content_type)) append_field(out, "Content-Type", res.content_type);
        switch (framing_of(res, ctx.version)) {
            case Framing::content_length:
                out += "Content-Length: ";
                if (res.stream)
                    append_number(out, *res.stream->length());
                else
                    append_number(out, ctx.head_request && res.head_content_length ? *res.head_content_length : res.body.size());
                out += "\r\n";
                break;
            case Framing::chunked:
                if (!ctx.head_request) out += "Transfer-Encoding: chunked\r\n";
                break;
            case Framing::until_close: break;
        }
    }
    append_field(out, "Date", ctx.date);
    if (!ctx.request_id.empty()) append_field(out, "X-Request-Id", ctx.request_id);
    if (!ctx.trace_id.empty()) {
        out += "traceparent: 00-";
        out += ctx.trace_id;
        out += '-';
        out += ctx.span_id;
        out += '-';
        out += ctx.trace_flags;
        out += "\r\n";
    }
    // Security headers: this is an API, nothing here should be sniffed, framed, leak a referrer or
    // be cached by intermediaries unless a handler says otherwise.
    out +=
        "X-Content-Type-Options: nosniff\r\n"
        "X-Frame-Options: DENY\r\n"
        "Referrer-Policy: no-referrer\r\n";
    if (!res.headers.contains("cache-control")) out += "Cache-Control: no-store\r\n";
    if (ctx.version == 10) {
        if (ctx.keep_alive) out += "Connection: keep-alive\r\n";
    } else if (!ctx.keep_alive) {
        out += "Connection: close\r\n";
    }
    for (const auto& h : res.headers) {
        // The kit owns framing and connection management; a handler cannot override them.
        if (iequals(h.name, "content-length") || iequals(h.name, "transfer-encoding") || iequals(h.name, "connection") ||
            iequals(h.name, "content-type") || iequals(h.name, "date"))
            continue;
        if (h.name.empty() || !safe_field(h.name) || !safe_field(h.value) || h.name.find(':') != std::string::npos) {
            logging::warn("kit: dropped a response header with a forbidden character",
                          {{"header", h.name}, {"request_id", ctx.request_id}});
            continue;
        }
        append_field(out, h.name, h.value);
    }
    out += "\r\n";
    return !bodiless_status && !ctx.head_request;
}

Response kit_error(const ServerOptions& options, int status, std::string_view code, std::string_view message,
                   std::string_view request_id) {
    Response r = error_response(status, code, message, request_id);
    if (status == 503) r.headers.add("Retry-After", std::to_string(options.retry_after_seconds));
    return r;
}

void record_exchange(ThreadState& state, const ServerCore& core, const ExchangeRecord& r) {
    state.metrics.observe(r.method, r.route_id, r.route, r.status, r.seconds);
    // Probes and scrapes that succeed arrive every second or so from each health checker, load balancer and
    // Prometheus: at info they would drown the requests that matter, so they log at debug.
    const bool routine = r.status < 300 && (r.route == "/health" || r.route == "/ready" || r.route == "/metrics");
    const auto level = routine ? logging::Level::debug : logging::Level::info;
    if (!core.options.access_log || !logging::enabled(level)) return;
    logging::Fields fields{
        {"method", r.method},
        {"path", r.path},
        {"route", r.route},
        {"status", r.status},
        {"duration_ms", r.seconds * 1000.0},
        {"bytes", static_cast<std::uint64_t>(r.bytes)},
        {"request_id", r.request_id},
        {"trace_id", r.trace_id},
        {"remote", r.remote},
    };
    // The status was sent but not the whole body: without this the line would read as a success.
    if (r.aborted) fields.emplace_back("aborted", true);
    logging::log(level, "http request", fields);
}

}  // namespace aaiti::kit::internal
