#pragma once
// Parses a request straight into the kit::Request its handler gets.
//
// Beast's stock request_parser stored every field in basic_fields (an allocation and a tree insert
// each), which the session then copied again into kit::Headers; the body went through a second
// parser type when it was streamed. Here the request line and each field are written once into the
// Request as they are parsed, and the body goes into the request's string or, after stream_into(),
// into the caller's buffer piece by piece, returning http::error::need_buffer when it is full
// (buffer_body's contract). The gateway's UpstreamResponseParser does the same for responses.
//
// Private to the kit's Beast TUs (includes Beast).
#include <cstddef>
#include <cstdint>

#include <boost/beast/http/basic_parser.hpp>

#include "services/kit/body_window.h"
#include "services/kit/request.h"

namespace aaiti::kit::internal {

class RequestParser final : public boost::beast::http::basic_parser<true> {
public:
    // `into` must outlive the parser; its method, target, version, headers and body are
    // overwritten as they are parsed (clear the rest first: see Session::reusable_request).
    explicit RequestParser(Request& into) : request_(into) {}

    Request& request() noexcept { return request_; }
    // Whether the client sent "Expect: 100-continue" (HTTP/1.1 only): it waits for our 100 first.
    bool expects_continue() const noexcept { return expect_continue_; }

    // From now on the body goes into [data, data + size) instead of the request's string.
    void stream_into(char* data, std::size_t size) noexcept;
    // Bytes written into the current stream_into() window.
    std::size_t streamed() const noexcept { return window_.written(); }

private:
    using error_code = boost::system::error_code;
    using string_view = boost::beast::string_view;

    void on_request_impl(boost::beast::http::verb, string_view method, string_view target, int version, error_code&) override;
    void on_response_impl(int, string_view, int, error_code&) override {}
    void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value, error_code&) override;
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code&) override;
    std::size_t on_body_impl(string_view body, error_code& ec) override { return take_body(body, ec); }
    void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override { return take_body(body, ec); }
    void on_finish_impl(error_code&) override {}

    std::size_t take_body(string_view body, error_code& ec);

    Request& request_;
    bool expect_continue_ = false;
    bool streaming_ = false;
    BodyWindow window_;
};

}  // namespace aaiti::kit::internal
