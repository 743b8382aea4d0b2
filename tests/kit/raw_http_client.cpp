#include "tests/kit/raw_http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace aaiti::kit::test {

namespace {

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
    return true;
}

int connect_loopback(std::uint16_t port, int& error) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        error = errno;
        ::close(fd);
        return -1;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

}  // namespace

std::string Reply::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (iequal(k, name)) return v;
    return {};
}

bool Reply::has_header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (iequal(k, name)) return true;
    return false;
}

RawConnection::RawConnection(std::uint16_t port) {
    int error = 0;
    fd_ = connect_loopback(port, error);
    if (fd_ < 0) throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(error));
}

RawConnection::~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::send(std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

void RawConnection::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

bool RawConnection::readable(std::chrono::milliseconds timeout) {
    if (!buffer_.empty() || eof_) return true;
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
}

bool RawConnection::fill(std::chrono::steady_clock::time_point deadline) {
    if (eof_) return false;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) return false;
        pollfd p{fd_, POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(left));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        char buf[16384];
        ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            eof_ = true;
            return false;
        }
        buffer_.append(buf, static_cast<std::size_t>(n));
        return true;
    }
}

std::optional<Reply> RawConnection::read_reply(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos)
        if (!fill(deadline)) return std::nullopt;

    Reply reply;
    std::string_view head(buffer_.data(), header_end);
    std::size_t line_end = head.find("\r\n");
    std::string_view status_line = head.substr(0, line_end);
    auto sp = status_line.find(' ');
    if (sp == std::string_view::npos) return std::nullopt;
    reply.version = std::string(status_line.substr(0, sp));
    reply.status = std::stoi(std::string(status_line.substr(sp + 1, 3)));
    std::size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
        std::size_t e = head.find("\r\n", pos);
        if (e == std::string_view::npos) e = head.size();
        std::string_view line = head.substr(pos, e - pos);
        auto colon = line.find(':');
        if (colon != std::string_view::npos) {
            std::string_view value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            reply.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
        }
        pos = e + 2;
    }
    buffer_.erase(0, header_end + 4);

    if (reply.status == 100) return read_reply(timeout);  // interim response: the real one follows
    const bool no_body = reply.status == 204 || reply.status == 304;
    if (no_body) return reply;
    if (iequal(reply.header("Transfer-Encoding"), "chunked")) {
        for (;;) {
            std::size_t e;
            while ((e = buffer_.find("\r\n")) == std::string::npos)
                if (!fill(deadline)) return std::nullopt;
            std::size_t size = std::stoul(buffer_.substr(0, e), nullptr, 16);
            while (buffer_.size() < e + 2 + size + 2)
                if (!fill(deadline)) return std::nullopt;
            reply.body += buffer_.substr(e + 2, size);
            buffer_.erase(0, e + 2 + size + 2);
            if (size == 0) return reply;
        }
    }
    std::string length = reply.header("Content-Length");
    if (length.empty()) {  // body until close
        while (fill(deadline)) {
        }
        reply.body = std::move(buffer_);
        buffer_.clear();
        return reply;
    }
    std::size_t n = std::stoul(length);
    while (buffer_.size() < n)
        if (!fill(deadline)) return std::nullopt;
    reply.body = buffer_.substr(0, n);
    buffer_.erase(0, n);
    return reply;
}

bool RawConnection::wait_closed(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!eof_) {
        buffer_.clear();
        if (!fill(deadline) && !eof_) return false;
    }
    return true;
}

Reply request(std::uint16_t port, std::string_view method, std::string_view target,
              const std::vector<std::pair<std::string, std::string>>& headers, std::string_view body) {
    RawConnection c(port);
    std::string req = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
    if (!body.empty() || method == "POST" || method == "PUT") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n";
    req += body;
    if (!c.send(req)) throw std::runtime_error("send failed");
    auto reply = c.read_reply();
    if (!reply) throw std::runtime_error("no reply to " + std::string(method) + " " + std::string(target));
    return *reply;
}

bool connection_refused(std::uint16_t port) {
    int error = 0;
    int fd = connect_loopback(port, error);
    if (fd >= 0) {
        ::close(fd);
        return false;
    }
    return error == ECONNREFUSED;
}

}  // namespace aaiti::kit::test
