#pragma once
// The response a handler returns. The kit adds Content-Length, Date, X-Request-Id, traceparent,
// Connection and the security headers; a handler sets status, body, content type and its own headers.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "services/kit/headers.h"

namespace aaiti::kit {

inline constexpr std::string_view k_json_content_type = "application/json";
inline constexpr std::string_view k_text_content_type = "text/plain; charset=utf-8";

// A body the kit pulls piece by piece after sending the head, so a response of any size costs a
// bounded amount of memory (a proxied download). The kit calls read() on the connection's I/O
// thread, one piece at a time; the source answers by calling `next` exactly once, from any thread.
// A piece's bytes stay valid until the next read() or the source's destruction. The kit drops the
// source (without reading it to the end) when the client goes away or the request was a HEAD.
class BodySource {
public:
    struct Piece {
        std::string_view data;
        bool end = false;     // the body is complete (`data` may still hold its last bytes)
        bool failed = false;  // the body broke off: the kit closes the connection mid-message
    };
    using Next = std::function<void(Piece)>;

    virtual ~BodySource() = default;
    virtual void read(Next next) = 0;
    // The total length when known (sent as Content-Length); otherwise HTTP/1.1 gets a chunked body
    // and HTTP/1.0 a body ended by closing the connection.
    virtual std::optional<std::uint64_t> length() const = 0;
};

struct Response {
    int status = 200;
    std::string content_type{k_json_content_type};
    Headers headers;  // extra fields; a handler's Cache-Control (etc.) wins over the kit's default
    std::string body;
    // For a HEAD request answered without computing the body (a proxy relaying an upstream's HEAD reply):
    // the Content-Length the GET would have. Unset: body.size().
    std::optional<std::size_t> head_content_length;
    // Set: the body comes from here instead of `body` (which is then ignored).
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
