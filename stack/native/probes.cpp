#include "stack/native/probes.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cctype>
#include <condition_variable>
#include <fcntl.h>
#include <libpq-fe.h>
#include <memory>
#include <mutex>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <system_error>
#include <thread>
#include <unistd.h>

namespace aaiti::stack::native {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Enough for any status line or RESP simple reply; a peer sending more before a line end is broken.
constexpr std::size_t k_max_reply_line = 4096;

std::string timed_out(milliseconds timeout) { return "timed out after " + std::to_string(timeout.count()) + " ms"; }

// "connection refused" rather than strerror's "Connection refused": details read as part of a sentence.
std::string describe_errno(int error) {
    std::string text = std::generic_category().message(error);
    if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    return text;
}

enum class Wait { ready, timed_out, failed };

// poll() for `events` until `deadline`, retrying on EINTR.
Wait wait_for(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return Wait::timed_out;
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, static_cast<int>(left.count()));
        if (n > 0) return Wait::ready;
        if (n == 0) return Wait::timed_out;
        if (errno != EINTR) return Wait::failed;
    }
}

// One non-blocking loopback TCP connection, closed on destruction. Every step shares one deadline, so
// connect + request + reply together stay within the probe's timeout.
class LoopbackConnection {
public:
    LoopbackConnection(Clock::time_point deadline, milliseconds timeout) : deadline_(deadline), timeout_(timeout) {}
    ~LoopbackConnection() {
        if (fd_ >= 0) ::close(fd_);
    }
    LoopbackConnection(const LoopbackConnection&) = delete;
    LoopbackConnection& operator=(const LoopbackConnection&) = delete;

    // Each step returns false with error() saying why.
    bool connect(int port) {
        if (port < 1 || port > 65535) return fail("invalid port " + std::to_string(port));
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd_ < 0) return fail_errno(errno);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) return true;
        if (errno != EINPROGRESS) return fail_errno(errno);
        if (!wait(POLLOUT)) return false;
        int so_error = 0;
        socklen_t length = sizeof so_error;
        if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &so_error, &length) != 0) return fail_errno(errno);
        return so_error == 0 || fail_errno(so_error);
    }

    bool send_all(std::string_view data) {
        while (!data.empty()) {
            const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
            if (n > 0) {
                data.remove_prefix(static_cast<std::size_t>(n));
            } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (!wait(POLLOUT)) return false;
            } else if (errno != EINTR) {
                return fail_errno(errno);
            }
        }
        return true;
    }

    // Reads until the next "\r\n" and returns the line without it; what arrived after it is kept for the next call.
    bool read_line(std::string& line) {
        std::string& buffer = pending_;
        char chunk[512];
        for (;;) {
            if (const auto end = buffer.find("\r\n"); end != std::string::npos) {
                line = buffer.substr(0, end);
                buffer.erase(0, end + 2);
                return true;
            }
            if (buffer.size() > k_max_reply_line) return fail("no line end in the first " + std::to_string(k_max_reply_line) + " bytes");
            const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n > 0) {
                buffer.append(chunk, static_cast<std::size_t>(n));
            } else if (n == 0) {
                return fail(buffer.empty() ? "connection closed without a reply" : "connection closed mid-line");
            } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (!wait(POLLIN)) return false;
            } else if (errno != EINTR) {
                return fail_errno(errno);
            }
        }
    }

    const std::string& error() const { return error_; }

private:
    bool wait(short events) {
        switch (wait_for(fd_, events, deadline_)) {
            case Wait::ready: return true;
            case Wait::timed_out: return fail(timed_out(timeout_));
            case Wait::failed: return fail_errno(errno);
        }
        return false;
    }
    bool fail(std::string why) {
        error_ = std::move(why);
        return false;
    }
    bool fail_errno(int error) { return fail(describe_errno(error)); }

    int fd_ = -1;
    std::string pending_;  // received, not yet returned by read_line
    Clock::time_point deadline_;
    milliseconds timeout_;
    std::string error_;
};

// Printable, short: a reply line quoted in a detail must not carry control bytes into logs.
std::string printable(std::string_view text) {
    std::string out;
    for (const char c : text.substr(0, 80)) out += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
    return out;
}

// "HTTP/1.1 503 Service Unavailable" -> 503; 0 when it is not a status line.
int parse_status_code(const std::string& line) {
    if (line.rfind("HTTP/", 0) != 0) return 0;
    const auto space = line.find(' ');
    if (space == std::string::npos || line.size() < space + 4) return 0;
    int code = 0;
    for (std::size_t i = space + 1; i < space + 4; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(line[i]))) return 0;
        code = code * 10 + (line[i] - '0');
    }
    return code;
}

ProbeResult unexpected_failure(const char* what) { return {false, std::string("probe failed: ") + what}; }

}  // namespace

ProbeResult probe_http(int port, const std::string& path, milliseconds timeout) {
    try {
        // A CR or LF in the path would let a caller smuggle headers into the request.
        if (path.find_first_of("\r\n") != std::string::npos) return {false, "invalid path"};
        const std::string target = path.empty() || path[0] != '/' ? "/" + path : path;
        LoopbackConnection connection(Clock::now() + timeout, timeout);
        std::string status_line;
        const std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                                    "\r\nUser-Agent: aaiti-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n";
        if (!connection.connect(port) || !connection.send_all(request) || !connection.read_line(status_line))
            return {false, connection.error()};
        const int code = parse_status_code(status_line);
        if (code == 0) return {false, "not an HTTP status line: " + printable(status_line)};
        return {code >= 200 && code < 300, "HTTP " + std::to_string(code)};
    } catch (const std::exception& e) {
        return unexpected_failure(e.what());
    } catch (...) {
        return unexpected_failure("unknown exception");
    }
}

ProbeResult probe_redis(int port, milliseconds timeout, const std::string& password) {
    try {
        LoopbackConnection connection(Clock::now() + timeout, timeout);
        std::string request;
        if (!password.empty())
            request = "*2\r\n$4\r\nAUTH\r\n$" + std::to_string(password.size()) + "\r\n" + password + "\r\n";
        request += "*1\r\n$4\r\nPING\r\n";
        std::string reply;
        if (!connection.connect(port) || !connection.send_all(request) || !connection.read_line(reply)) return {false, connection.error()};
        if (!password.empty() && reply == "+OK" && !connection.read_line(reply)) return {false, connection.error()};
        if (reply == "+PONG") return {true, "PONG"};
        if (!reply.empty() && reply[0] == '-') return {false, printable(reply.substr(1))};
        return {false, "unexpected reply: " + printable(reply)};
    } catch (const std::exception& e) {
        return unexpected_failure(e.what());
    } catch (...) {
        return unexpected_failure("unknown exception");
    }
}

ProbeResult probe_tcp(int port, milliseconds timeout) {
    try {
        LoopbackConnection connection(Clock::now() + timeout, timeout);
        if (!connection.connect(port)) return {false, connection.error()};
        return {true, "connected"};
    } catch (const std::exception& e) {
        return unexpected_failure(e.what());
    } catch (...) {
        return unexpected_failure("unknown exception");
    }
}

ProbeResult probe_postgres(int port, milliseconds timeout) {
    try {
        const auto deadline = Clock::now() + timeout;
        // libpq's connect_timeout has whole seconds and a 2 s floor, so PQpingParams runs on its own thread
        // and we stop waiting at `deadline`; a ping that hangs (a stopped postmaster) ends by itself within
        // connect_timeout and only then releases its shared state.
        struct Ping {
            std::mutex mutex;
            std::condition_variable done_cv;
            bool done = false;
            PGPing result = PQPING_NO_RESPONSE;
        };
        auto ping = std::make_shared<Ping>();
        const std::string port_text = std::to_string(port);
        const std::string seconds = std::to_string(std::max<long long>(2, std::chrono::ceil<std::chrono::seconds>(timeout).count()));
        std::thread([ping, port_text, seconds] {
            // Explicit user and database: the default (the OS user) may not exist, and a trust-auth server
            // would then log a FATAL line on every probe. sslmode/gssencmode off: no negotiation round trips.
            const char* const keys[] = {"host", "port", "user", "dbname", "connect_timeout", "sslmode", "gssencmode",
                                        "application_name", nullptr};
            const char* const values[] = {"127.0.0.1", port_text.c_str(), "postgres", "postgres", seconds.c_str(),
                                          "disable", "disable", "aaiti-probe", nullptr};
            const PGPing result = PQpingParams(keys, values, 0);
            const std::lock_guard lock(ping->mutex);
            ping->result = result;
            ping->done = true;
            ping->done_cv.notify_one();
        }).detach();

        std::unique_lock lock(ping->mutex);
        if (!ping->done_cv.wait_until(lock, deadline, [&] { return ping->done; })) return {false, timed_out(timeout)};
        switch (ping->result) {
            case PQPING_OK: return {true, "accepting connections"};
            case PQPING_REJECT: return {false, "rejecting connections (starting up, shutting down or recovering)"};
            case PQPING_NO_ATTEMPT: return {false, "no attempt made (bad connection parameters)"};
            case PQPING_NO_RESPONSE: break;
        }
        lock.unlock();
        // libpq does not say why there was no response; a plain connect does ("connection refused").
        const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return {false, "no response"};
        const ProbeResult tcp = probe_tcp(port, left);
        if (tcp.ok) return {false, "no response"};
        return {false, tcp.detail.rfind("timed out", 0) == 0 ? timed_out(timeout) : tcp.detail};
    } catch (const std::exception& e) {
        return unexpected_failure(e.what());
    } catch (...) {
        return unexpected_failure("unknown exception");
    }
}

}  // namespace aaiti::stack::native
