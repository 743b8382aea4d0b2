#pragma once
// Parses an upstream's response straight into the kit::Response the gateway answers with.
//
// Beast's stock parser stores every field in basic_fields (one allocation each), which the gateway
// then copied again into kit::Headers while filtering out hop-by-hop and kit-owned fields. Under
// load that was a fifth of the gateway's own instructions per request (callgrind). Here each field
// is filtered as it is parsed and only the ones passed on are copied, once.
//
// The body goes into the response's string (buffered), or, after stream_into(), into the caller's
// buffer piece by piece, returning http::error::need_buffer when it is full (buffer_body's contract).
//
// Private to the gateway's Beast TU (upstream_client.cpp): includes Beast.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <boost/beast/http/basic_parser.hpp>

#include "services/kit/body_window.h"
#include "services/kit/response.h"

namespace aaiti::gateway {

class UpstreamResponseParser final : public boost::beast::http::basic_parser<false> {
public:
    UpstreamResponseParser();
    UpstreamResponseParser(UpstreamResponseParser&&) = default;  // into the streamed body

    // Status, Content-Type, the fields to pass on and (buffered) the body, as parsed so far.
    kit::Response& response() noexcept { return response_; }

    // From now on the body goes into [data, data + size) instead of the response's string.
    void stream_into(char* data, std::size_t size) noexcept;
    // Bytes written into the current stream_into() window.
    std::size_t streamed() const noexcept { return window_.written(); }

private:
    using error_code = boost::system::error_code;
    using string_view = boost::beast::string_view;

    void on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) override {}
    void on_response_impl(int code, string_view reason, int version, error_code& ec) override;
    void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value, error_code& ec) override;
    void on_header_impl(error_code& ec) override;
    void on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code& ec) override;
    std::size_t on_body_impl(string_view body, error_code& ec) override;
    void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override;
    void on_finish_impl(error_code&) override {}

    std::size_t take_body(string_view body, error_code& ec);

    kit::Response response_;
    std::string connection_;  // every Connection field's value, joined: the fields it names are hop-by-hop
    std::optional<std::uint64_t> content_length_;
    bool streaming_ = false;
    kit::BodyWindow window_;
};

}  // namespace aaiti::gateway
