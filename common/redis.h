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

struct HostPort {
    std::string host;
    std::uint16_t port = 0;
};

// redis://[[user]:password@]host[:port][/db]  or  unix:///path/to/redis.sock[?db=N]
// or redis-sentinel://[[user]:password@]host[:port][,host[:port]].../<master-name>[/db]
//        [?sentinel_password=<pw>[&sentinel_username=<user>]]
// (the sentinels, default port 26379; user/password and db are for the data nodes). Sentinels with
// requirepass: `sentinel_password` (percent-decoded, like the userinfo) is sent to each sentinel as
// AUTH before it is asked; without it, a sentinel answering NOAUTH gets the data nodes' credentials
// (the common "same password everywhere" setup, e.g. Bitnami's chart) and is asked once more.
// rediss:// is refused (Debian's hiredis 0.14 has no TLS); so is Redis Cluster, which has no scheme
// here. Throws ConfigError naming the problem; a password never appears in the message.
struct Address {
    std::string host = "127.0.0.1";  // redis-sentinel://: empty until resolve_master() fills it in
    std::uint16_t port = 6379;
    std::string unix_socket;  // set for unix:// URLs
    std::string username;     // Redis 6 ACL user; empty: AUTH with the password only
    std::string password;
    int database = 0;
    std::vector<HostPort> sentinels;  // redis-sentinel:// only: asked in this order
    std::string master_name;          // redis-sentinel:// only: the name the sentinels monitor
    std::string sentinel_username;    // redis-sentinel:// only: ?sentinel_username= (needs a password)
    std::string sentinel_password;    // redis-sentinel:// only: ?sentinel_password=; empty: no AUTH first

    bool uses_sentinel() const { return !sentinels.empty(); }
};
Address parse_url(std::string_view url);

// For messages and logs, never with the password: "127.0.0.1:6379", the socket path, or for a
// sentinel address "master mymaster via sentinels h1:26379,h2:26379" (with " at host:port" once
// resolved).
std::string describe(const Address& address);

// Sentinel discovery, shared by Client and the gateway's non-blocking link (which calls it on a
// background thread). For an address without sentinels: returns it unchanged. Otherwise asks each
// sentinel in turn `SENTINEL get-master-addr-by-name <master_name>` (after AUTH with the sentinel
// credentials if the URL has them; on NOAUTH without them, after AUTH with the data nodes' ones),
// connects to the answer,
// authenticates as the URL says and confirms with ROLE that it is a master (a stale sentinel may name
// a demoted node); the first confirmed answer wins. Returns `address` with host/port set to that
// master. Blocks up to `timeout_each` per connection/command (at most two connections per sentinel).
// Throws UnavailableError listing what went wrong with each sentinel.
inline constexpr std::chrono::milliseconds k_sentinel_timeout_each{300};
Address resolve_master(const Address& address, std::chrono::milliseconds timeout_each = k_sentinel_timeout_each);

// True for the error a demoted master (now a read-only replica) answers to a write: "READONLY ...".
bool is_readonly_error(std::string_view error_text);

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
    // ("redis 127.0.0.1:6379: Connection refused") when Redis cannot be reached. With sentinels, every
    // connect resolves the master afresh (resolve_master), and a READONLY reply (the node was demoted
    // under us) also counts as a broken connection: reconnect to the current master, run once more.
    Reply command(const std::vector<std::string>& arguments);
    // Several commands in one round trip; replies in order.
    std::vector<Reply> pipeline(const std::vector<std::vector<std::string>>& commands);
    // PING; false instead of throwing.
    bool ping() noexcept;
    // "127.0.0.1:6379" or the socket path, for messages (with sentinels: describe() of the address,
    // naming the master last connected to).
    std::string endpoint() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace aaiti::redis
