#pragma once
// A small synchronous Redis client (hiredis) for the places that make a few calls: aaiti-auth
// publishing revocations, health probes, tests. One Client is one connection and is not
// thread-safe: hold one per thread, or guard it. The gateway's per-request path uses its own
// non-blocking client on its I/O threads (services/gateway), with the same URL parser.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace aaiti::redis {

// redis://[[user]:password@]host[:port][/db]  or  unix:///path/to/redis.sock[?db=N]
// rediss:// is refused (Debian's hiredis 0.14 has no TLS). Throws ConfigError naming the problem;
// the password never appears in the message.
struct Address {
    std::string host = "127.0.0.1";
    std::uint16_t port = 6379;
    std::string unix_socket;  // set for unix:// URLs
    std::string username;     // Redis 6 ACL user; empty: AUTH with the password only
    std::string password;
    int database = 0;
};
Address parse_url(std::string_view url);

struct Reply {
    enum class Type { nil, string, integer, array, status, error };
    Type type = Type::nil;
    std::string text;  // string, status and error replies
    long long integer = 0;
    std::vector<Reply> elements;

    bool is_error() const { return type == Type::error; }
};

class Client {
public:
    // Connects lazily on the first command; `timeout` bounds connect and each command.
    explicit Client(Address address, std::chrono::milliseconds timeout = std::chrono::milliseconds(1000));
    ~Client();
    Client(Client&&) noexcept;
    Client& operator=(Client&&) noexcept;

    // Sends one command (binary-safe arguments) and returns its reply (an error reply is returned,
    // not thrown). On a broken connection it reconnects once and retries; throws UnavailableError
    // ("redis 127.0.0.1:6379: Connection refused") when Redis cannot be reached.
    Reply command(const std::vector<std::string>& arguments);
    // Several commands in one round trip; replies in order.
    std::vector<Reply> pipeline(const std::vector<std::vector<std::string>>& commands);
    // PING; false instead of throwing.
    bool ping() noexcept;
    // "127.0.0.1:6379" or the socket path, for messages.
    std::string endpoint() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace aaiti::redis
