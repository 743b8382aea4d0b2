#include "stack/native/metrics_listener.h"

#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/error.h"

namespace aaiti::stack::native {
namespace {

void send_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL);
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace

MetricsListener::MetricsListener(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw IoError(std::string("up: socket: ") + std::strerror(errno));
    const int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0) {
        const int err = errno;
        ::close(fd_);
        throw UnavailableError("up: the supervisor's metrics port " + std::to_string(port) +
                               " (monitoring.supervisor.port) on 127.0.0.1: " + std::strerror(err));
    }
}

MetricsListener::~MetricsListener() {
    if (fd_ >= 0) ::close(fd_);
}

void MetricsListener::serve_pending(const std::function<std::string()>& body) {
    for (;;) {
        const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) return;
        // A client that connects and says nothing costs at most this, once.
        timeval timeout{0, 200000};
        ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        std::string request;
        char buf[1024];
        while (request.find("\r\n\r\n") == std::string::npos && request.size() < 8192) {
            const ssize_t n = ::recv(client, buf, sizeof buf, 0);
            if (n <= 0) break;
            request.append(buf, static_cast<std::size_t>(n));
        }
        const bool metrics = request.rfind("GET /metrics ", 0) == 0 || request.rfind("GET /metrics?", 0) == 0;
        const std::string payload = metrics ? body() : "not found\n";
        send_all(client, std::string("HTTP/1.1 ") + (metrics ? "200 OK" : "404 Not Found") +
                             "\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: " + std::to_string(payload.size()) +
                             "\r\nConnection: close\r\n\r\n" + payload);
        ::close(client);
    }
}

}  // namespace aaiti::stack::native
