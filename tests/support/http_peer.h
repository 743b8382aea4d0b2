#pragma once
// A real local HTTP/1.1 server for client tests (tests/support/http_peer.py), started per test object.
// See the script for its routes: /echo, /status/<code>, /delay/<ms>, /stats.
#include <memory>
#include <string>
#include <string_view>

namespace aaiti::test {

class ChildProcess;

class HttpPeer {
public:
    // Starts the peer and waits until it listens; throws std::runtime_error with its stderr otherwise.
    HttpPeer();
    ~HttpPeer();
    HttpPeer(const HttpPeer&) = delete;
    HttpPeer& operator=(const HttpPeer&) = delete;

    int port() const { return port_; }
    // http://127.0.0.1:PORT<path>  (path starts with '/')
    std::string url(std::string_view path = "/") const;
    // The peer's own log (one line per request), for failure messages.
    std::string log() const;

private:
    std::unique_ptr<ChildProcess> process_;
    int port_ = 0;
};

}  // namespace aaiti::test
