#pragma once
// A deliberately dumb HTTP/1.1 client on POSIX sockets for the kit tests: it sends exactly the
// bytes a test gives it (malformed ones included) and parses what comes back, so the tests exercise
// the server through a real socket without sharing any of its code.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aaiti::kit::test {

using namespace std::chrono_literals;

struct Reply {
    int status = 0;
    std::string version;  // "HTTP/1.1"
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    // First value of a header (case-insensitive), or empty.
    std::string header(std::string_view name) const;
    bool has_header(std::string_view name) const;
};

class RawConnection {
public:
    explicit RawConnection(std::uint16_t port);  // connects to 127.0.0.1:port; throws on failure
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    // Sends all bytes; false when the peer has closed/reset the connection.
    bool send(std::string_view bytes);
    // Reads one response (status line, headers, Content-Length or chunked body).
    // nullopt on timeout, EOF or reset before a complete response.
    std::optional<Reply> read_reply(std::chrono::milliseconds timeout = 5s);
    // True when the server closes the connection (EOF or reset) within `timeout`; data read meanwhile
    // is discarded.
    bool wait_closed(std::chrono::milliseconds timeout = 5s);
    void shutdown_write();
    // True when data (or EOF) is ready to read within `timeout`.
    bool readable(std::chrono::milliseconds timeout);
    int fd() const { return fd_; }

private:
    // Appends to `buffer_` what arrives within the deadline; false on timeout/EOF/error.
    bool fill(std::chrono::steady_clock::time_point deadline);
    int fd_ = -1;
    bool eof_ = false;
    std::string buffer_;
};

// One request on a fresh connection ("Connection: close" added); throws when no reply arrives.
Reply request(std::uint16_t port, std::string_view method, std::string_view target,
              const std::vector<std::pair<std::string, std::string>>& headers = {}, std::string_view body = {});
inline Reply get(std::uint16_t port, std::string_view target,
                 const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    return request(port, "GET", target, headers);
}

// True when a TCP connect to 127.0.0.1:port is refused (nobody listens).
bool connection_refused(std::uint16_t port);

}  // namespace aaiti::kit::test
