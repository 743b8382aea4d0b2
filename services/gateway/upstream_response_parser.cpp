#include "services/gateway/upstream_response_parser.h"

#include <algorithm>
#include <limits>

#include <boost/beast/http/error.hpp>

#include "services/gateway/proxy_headers.h"

namespace aaiti::gateway {

namespace http = boost::beast::http;

namespace {

// A buffered body's string is reserved up to this much at its first piece; a longer one grows.
constexpr std::size_t k_reserve_limit = 64 * 1024;

std::string_view sv(boost::beast::string_view s) noexcept { return {s.data(), s.size()}; }

}  // namespace

// Untyped: the Content-Type passed on is only the upstream's own, if it sent one.
UpstreamResponseParser::UpstreamResponseParser() : response_(kit::Response::Untyped{}) {
    // No limit here: Beast checks Content-Length against it with the header, and a long body is
    // streamed rather than refused (the caller decides, knowing the length).
    body_limit(std::numeric_limits<std::uint64_t>::max());
}

void UpstreamResponseParser::stream_into(char* data, std::size_t size) noexcept {
    streaming_ = true;
    window_.set(data, size);
}

void UpstreamResponseParser::on_response_impl(int code, string_view, int, error_code&) { response_.status = code; }

void UpstreamResponseParser::on_field_impl(http::field name, string_view name_string, string_view value, error_code&) {
    if (name == http::field::content_type) {
        response_.content_type.assign(value.data(), value.size());
        return;
    }
    if (name == http::field::connection) {
        if (!connection_.empty()) connection_ += ',';
        connection_.append(value.data(), value.size());
        return;
    }
    const std::string_view field = sv(name_string);
    // Fields named in Connection are dropped in on_header_impl, once every Connection field is in.
    if (is_hop_by_hop(field, {}) || is_kit_response_field(field)) return;
    response_.headers.add(std::string(field), std::string(sv(value)));
}

void UpstreamResponseParser::on_header_impl(error_code&) {
    if (connection_.empty()) return;
    kit::Headers kept;
    for (const auto& h : response_.headers)
        if (!is_hop_by_hop(h.name, connection_)) kept.add(h.name, h.value);
    response_.headers = std::move(kept);
}

void UpstreamResponseParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code&) {
    if (content_length) content_length_ = *content_length;
}

std::size_t UpstreamResponseParser::on_body_impl(string_view body, error_code& ec) { return take_body(body, ec); }

std::size_t UpstreamResponseParser::on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) {
    return take_body(body, ec);
}

std::size_t UpstreamResponseParser::take_body(string_view body, error_code& ec) {
    if (!streaming_) {
        if (response_.body.empty() && content_length_)
            response_.body.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*content_length_, k_reserve_limit)));
        response_.body.append(body.data(), body.size());
        return body.size();
    }
    return window_.take({body.data(), body.size()}, ec);
}

}  // namespace aaiti::gateway
