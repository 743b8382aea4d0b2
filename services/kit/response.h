#pragma once
// The response a handler returns. The kit adds Content-Length, Date, X-Request-Id, traceparent,
// Connection and the security headers; a handler sets status, body, content type and its own headers.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "services/kit/body_source.h"
#include "services/kit/headers.h"

namespace aaiti::kit {

inline constexpr std::string_view k_json_content_type = "application/json";
inline constexpr std::string_view k_text_content_type = "text/plain; charset=utf-8";

struct Response {
    Response() = default;
    // A response with no Content-Type (yet): a proxy's, typed from what its upstream sends, or one
    // about to be assigned. Skips allocating the JSON default ("application/json" is one byte past
    // std::string's in-place capacity), which costs an allocation per request on a hot path.
    struct Untyped {};
    explicit Response(Untyped) : content_type() {}

    int status = 200;
    std::string content_type{k_json_content_type};
    Headers headers;  // extra fields; a handler's Cache-Control (etc.) wins over the kit's default
    std::string body;
    // For a HEAD request answered without computing the body (a proxy relaying an upstream's HEAD reply):
    // the Content-Length the GET would have. Unset: body.size().
    std::optional<std::size_t> head_content_length;
    // Set: the body comes from here instead of `body` (which is then ignored). The kit sends the
    // head, then each piece as it comes: Content-Length when the length is known, else chunked to
    // HTTP/1.1 and close-delimited to HTTP/1.0. A source that fails, or gives more or fewer bytes
    // than its length, ends the connection mid-message. A HEAD answer never reads it.
    std::shared_ptr<BodySource> stream;

    static Response json(int status, std::string body);
    static Response text(int status, std::string body);
};

// The JSON error body every error the kit produces uses:
//   {"error":{"code":"not_found","message":"...","request_id":"..."}}
// Handlers should use it for their own errors too.
Response error_response(int status, std::string_view code, std::string_view message, std::string_view request_id);

// `text` as a JSON string literal, quotes included; control characters and invalid UTF-8 bytes are
// escaped (\u00XX) so the result is always valid JSON.
std::string json_quote(std::string_view text);

// "OK", "Not Found", ... ("Unknown" for codes without a standard phrase).
std::string_view reason_phrase(int status) noexcept;

}  // namespace aaiti::kit
