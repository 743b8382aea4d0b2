#include "healthcheck/socket_io.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace aaiti::health::detail {

bool wait_for(int fd, short events, Clock::time_point deadline, std::string& error) {
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            error = "timed out";
            return false;
        }
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, static_cast<int>(left));
        if (n > 0) return true;
        if (n < 0 && errno != EINTR) {
            error = std::strerror(errno);
            return false;
        }
    }
}

namespace {

int connect_one(const sockaddr* address, socklen_t length, int family, Clock::time_point deadline, std::string& error) {
    const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = std::strerror(errno);
        return -1;
    }
    if (::connect(fd, address, length) != 0 && errno != EINPROGRESS) {
        error = std::strerror(errno);
        ::close(fd);
        return -1;
    }
    if (!wait_for(fd, POLLOUT, deadline, error)) {
        ::close(fd);
        return -1;
    }
    int so_error = 0;
    socklen_t size = sizeof so_error;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &size);
    if (so_error != 0) {
        error = std::strerror(so_error);
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

int connect_before(const std::string& host, int port, const std::string& unix_path, Clock::time_point deadline,
                   std::string& error) {
    if (!unix_path.empty()) {
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, unix_path.c_str(), sizeof address.sun_path - 1);
        return connect_one(reinterpret_cast<sockaddr*>(&address), sizeof address, AF_UNIX, deadline, error);
    }
    // getaddrinfo blocks; for the literal addresses and local names health checks use it is instant.
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string bare = host.size() > 2 && host.front() == '[' ? host.substr(1, host.size() - 2) : host;
    if (const int rc = ::getaddrinfo(bare.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
        error = std::string("cannot resolve ") + bare + ": " + gai_strerror(rc);
        return -1;
    }
    int fd = -1;
    for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next)
        fd = connect_one(a->ai_addr, a->ai_addrlen, a->ai_family, deadline, error);
    ::freeaddrinfo(found);
    return fd;
}

bool send_all(int fd, const std::string& data, Clock::time_point deadline, std::string& error) {
    std::size_t sent = 0;
    while (sent < data.size()) {
        const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (!wait_for(fd, POLLOUT, deadline, error)) return false;
            continue;
        }
        error = std::strerror(errno);
        return false;
    }
    return true;
}

}  // namespace aaiti::health::detail
