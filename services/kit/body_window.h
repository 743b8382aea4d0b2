#pragma once
// The caller's buffer a parser writes a streamed body into, one piece at a time: what fits is
// copied, and a full window answers http::error::need_buffer (the contract of Beast's buffer_body),
// so the parser stops and gives the rest again once the piece is handed on. Shared by the kit's
// request parser and the gateway's upstream response parser.
//
// Beast TUs only (includes Beast's error codes).
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string_view>

#include <boost/beast/http/error.hpp>

namespace aaiti::kit {

class BodyWindow {
public:
    void set(char* data, std::size_t size) noexcept {
        data_ = data;
        size_ = size;
        written_ = 0;
    }
    std::size_t written() const noexcept { return written_; }

    // Copies what fits of `body`; returns how much.
    std::size_t take(std::string_view body, boost::system::error_code& ec) noexcept {
        const std::size_t n = std::min(body.size(), size_ - written_);
        if (n > 0) std::memcpy(data_ + written_, body.data(), n);
        written_ += n;
        if (n < body.size()) ec = boost::beast::http::error::need_buffer;
        return n;
    }

private:
    char* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t written_ = 0;
};

}  // namespace aaiti::kit
