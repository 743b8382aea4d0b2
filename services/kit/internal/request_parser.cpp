#include "services/kit/internal/request_parser.h"

#include <algorithm>

namespace aaiti::kit::internal {

namespace http = boost::beast::http;

namespace {

// A body's string is reserved up to this much from its Content-Length; a longer one grows.
constexpr std::size_t k_reserve_limit = 64 * 1024;

}  // namespace

void RequestParser::stream_into(char* data, std::size_t size) noexcept {
    streaming_ = true;
    window_.set(data, size);
}

void RequestParser::on_request_impl(http::verb, string_view method, string_view target, int version, error_code&) {
    request_.method.assign(method.data(), method.size());
    request_.target.assign(target.data(), target.size());
    request_.version = static_cast<unsigned>(version);
}

void RequestParser::on_field_impl(http::field name, string_view name_string, string_view value, error_code&) {
    // Trailer fields of a chunked body are not the request's headers (a handler may already be
    // reading those while a streamed body arrives).
    if (is_header_done()) return;
    if (name == http::field::expect && request_.version == 11 && iequals({value.data(), value.size()}, "100-continue"))
        expect_continue_ = true;
    request_.headers.add(std::string(name_string.data(), name_string.size()), std::string(value.data(), value.size()));
}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code&) {
    if (content_length && !streaming_)
        request_.body.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*content_length, k_reserve_limit)));
}

std::size_t RequestParser::take_body(string_view body, error_code& ec) {
    if (!streaming_) {
        request_.body.append(body.data(), body.size());
        return body.size();
    }
    return window_.take({body.data(), body.size()}, ec);
}

}  // namespace aaiti::kit::internal
