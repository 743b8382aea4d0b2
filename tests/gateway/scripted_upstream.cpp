#include "tests/gateway/scripted_upstream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include "tests/gateway/gateway_test_support.h"

namespace aaiti::gateway::test {

GatewayOptions scripted_gateway_options(std::string prefix, const ScriptedUpstream& up) {
    RouteSpec r;
    r.prefix = std::move(prefix);
    r.upstreams.push_back(parse_upstream_url(up.url()));
    auto o = test_gateway_options({r});
    o.health_interval = std::chrono::seconds(60);
    return o;
}

bool send_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

ScriptedUpstream::ScriptedUpstream(Answer answer) : answer_(std::move(answer)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener_, 64) != 0)
        throw std::runtime_error("ScriptedUpstream: cannot listen on 127.0.0.1");
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] {
        for (;;) {
            const int fd = ::accept(listener_, nullptr, nullptr);
            if (fd < 0) return;  // the listener was shut down
            std::lock_guard lock(mutex_);
            open_fds_.push_back(fd);
            threads_.emplace_back([this, fd] { serve(fd); });
        }
    });
}

ScriptedUpstream::~ScriptedUpstream() {
    ::shutdown(listener_, SHUT_RDWR);  // wakes accept()
    acceptor_.join();
    ::close(listener_);
    {
        std::lock_guard lock(mutex_);
        for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);  // wakes the connection threads
    }
    for (auto& t : threads_) t.join();
    for (int fd : open_fds_) ::close(fd);
}

bool ScriptedUpstream::Exchange::read_body(std::size_t n, std::string& out) {
    const std::size_t from_ahead = std::min(n, read_ahead.size());
    out.append(read_ahead, 0, from_ahead);
    read_ahead.erase(0, from_ahead);
    n -= from_ahead;
    char chunk[65536];
    while (n > 0) {
        const ssize_t got = ::recv(fd, chunk, std::min(n, sizeof chunk), 0);
        if (got <= 0) return false;
        out.append(chunk, static_cast<std::size_t>(got));
        n -= static_cast<std::size_t>(got);
    }
    return true;
}

void ScriptedUpstream::serve(int fd) {
    std::string buffer;
    bool counted = false;
    for (;;) {
        std::size_t end;
        while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
            char chunk[4096];
            const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
            if (n <= 0) return;
            buffer.append(chunk, static_cast<std::size_t>(n));
        }
        Exchange exchange{fd, buffer.substr(0, end + 4), buffer.substr(end + 4)};
        buffer.clear();
        const std::string& head = exchange.head;
        if (head.rfind("GET /health ", 0) == 0 || head.rfind("GET /ready ", 0) == 0) {
            if (!send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")) return;
            continue;
        }
        if (!counted) {
            counted = true;
            ++connections_;
        }
        if (!answer_(exchange)) {
            ::shutdown(fd, SHUT_WR);
            return;
        }
        buffer = std::move(exchange.read_ahead);  // a pipelined next request
    }
}

}  // namespace aaiti::gateway::test
