#pragma once
// An upstream on a raw socket whose answers a test writes byte by byte: garbage, a body cut short,
// a body held back until the test says so. Each connection is served on its own thread: the
// request head is read, GET /health and /ready are answered 200 (the gateway's health checker probes it), any
// other request goes to the test's `answer`, which reads what it wants of the body, writes to the
// socket and returns whether to keep the connection for another request (its body must then have
// been read whole).
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "services/gateway/gateway_options.h"

namespace aaiti::gateway::test {

class ScriptedUpstream {
public:
    // One request on a connection, as the answer sees it.
    struct Exchange {
        int fd = -1;
        std::string head;        // request line and header section, blank line included
        std::string read_ahead;  // bytes after the head that arrived with it (a body's start)
        // The next `n` bytes of the body (read_ahead first, then the socket); false if the peer
        // closed first.
        bool read_body(std::size_t n, std::string& out);
    };
    using Answer = std::function<bool(Exchange&)>;
    explicit ScriptedUpstream(Answer answer);
    ~ScriptedUpstream();  // closes the listener and every connection, joins the threads
    ScriptedUpstream(const ScriptedUpstream&) = delete;
    ScriptedUpstream& operator=(const ScriptedUpstream&) = delete;

    std::uint16_t port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    // Connections that carried a request other than the health probe.
    int connections() const { return connections_.load(); }

private:
    void serve(int fd);

    Answer answer_;
    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<int> connections_{0};
    std::mutex mutex_;
    std::vector<int> open_fds_;
    std::vector<std::thread> threads_;
    std::thread acceptor_;
};

// Gateway options with one route, `prefix` -> `up`, and no active probing to speak of (one a
// minute): what a test scripts is all the upstream sees.
GatewayOptions scripted_gateway_options(std::string prefix, const ScriptedUpstream& up);

// Writes all of `bytes`; false when the peer has gone (reset or closed).
bool send_all(int fd, std::string_view bytes);

}  // namespace aaiti::gateway::test
