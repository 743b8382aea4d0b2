#pragma once
// A body that comes piece by piece instead of as one string: a response body the kit writes as it
// is produced (a proxied download), or a request body a handler reads as the client sends it (a
// proxied upload, for routes registered with RequestBody::streamed).
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

namespace aaiti::kit {

// The reader calls read() on the connection's I/O thread, one piece at a time (the next read only
// after the previous piece was delivered); the source answers by calling `next` exactly once, from
// any thread. A piece's bytes stay valid until the next read() or the source's destruction.
class BodySource {
public:
    struct Piece {
        std::string_view data;
        bool end = false;     // the body is complete (`data` may still hold its last bytes)
        bool failed = false;  // the body broke off; no more pieces
    };
    using Next = std::function<void(Piece)>;

    virtual ~BodySource() = default;
    virtual void read(Next next) = 0;
    // The total length when known (Content-Length); nullopt for a chunked or close-delimited body.
    virtual std::optional<std::uint64_t> length() const = 0;
};

}  // namespace aaiti::kit
