#include "common/redis.h"

#include <hiredis/hiredis.h>

#include <charconv>

#include "common/error.h"

namespace aaiti::redis {
namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Userinfo in URLs may be percent-encoded (a password with '@' or ':').
std::string percent_decode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size()) {
            const int hi = hex_digit(text[i + 1]), lo = hex_digit(text[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(text[i]);
    }
    return out;
}

int parse_database(std::string_view text, std::string_view url_for_message) {
    int database = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), database);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || database < 0)
        throw ConfigError("REDIS_URL: database \"" + std::string(text) + "\" in " + std::string(url_for_message) +
                          " is not a number");
    return database;
}

Reply convert(const redisReply* reply) {
    Reply out;
    if (!reply) return out;
    switch (reply->type) {
        case REDIS_REPLY_STRING: out.type = Reply::Type::string; out.text.assign(reply->str, reply->len); break;
        case REDIS_REPLY_STATUS: out.type = Reply::Type::status; out.text.assign(reply->str, reply->len); break;
        case REDIS_REPLY_ERROR: out.type = Reply::Type::error; out.text.assign(reply->str, reply->len); break;
        case REDIS_REPLY_INTEGER: out.type = Reply::Type::integer; out.integer = reply->integer; break;
        case REDIS_REPLY_ARRAY:
            out.type = Reply::Type::array;
            for (std::size_t i = 0; i < reply->elements; ++i) out.elements.push_back(convert(reply->element[i]));
            break;
        default: out.type = Reply::Type::nil; break;
    }
    return out;
}

struct ReplyDeleter {
    void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

}  // namespace

Address parse_url(std::string_view url) {
    // Only the scheme and host are ever echoed: the URL may hold a password.
    Address address;
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos)
        throw ConfigError("REDIS_URL: expected redis://host:port or unix:///path, got a value without a scheme");
    const std::string_view scheme = url.substr(0, scheme_end);
    std::string_view rest = url.substr(scheme_end + 3);
    if (scheme == "rediss")
        throw ConfigError("REDIS_URL: rediss:// (TLS) is not supported by this build's hiredis; use redis:// on a "
                          "trusted network or a TLS tunnel");
    if (scheme == "unix") {
        const auto query = rest.find('?');
        address.unix_socket = std::string(rest.substr(0, query));
        if (address.unix_socket.empty() || address.unix_socket.front() != '/')
            throw ConfigError("REDIS_URL: unix:// needs an absolute socket path (unix:///run/redis.sock)");
        if (query != std::string_view::npos) {
            const std::string_view params = rest.substr(query + 1);
            if (params.rfind("db=", 0) == 0) address.database = parse_database(params.substr(3), "unix:// URL");
        }
        return address;
    }
    if (scheme != "redis")
        throw ConfigError("REDIS_URL: scheme \"" + std::string(scheme) + "\" is not supported; use redis:// or unix://");

    const auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    if (slash != std::string_view::npos && slash + 1 < rest.size())
        address.database = parse_database(rest.substr(slash + 1), "redis:// URL");
    const auto at = authority.rfind('@');
    if (at != std::string_view::npos) {
        const std::string_view userinfo = authority.substr(0, at);
        const auto colon = userinfo.find(':');
        if (colon == std::string_view::npos) {
            address.password = percent_decode(userinfo);  // redis://secret@host: a bare password
        } else {
            address.username = percent_decode(userinfo.substr(0, colon));
            address.password = percent_decode(userinfo.substr(colon + 1));
        }
        authority.remove_prefix(at + 1);
    }
    std::string_view host = authority;
    std::string_view port;
    if (!host.empty() && host.front() == '[') {
        const auto close = host.find(']');
        if (close == std::string_view::npos) throw ConfigError("REDIS_URL: unterminated [IPv6] host");
        port = host.substr(close + 1);
        host = host.substr(1, close - 1);
        if (!port.empty() && port.front() == ':') port.remove_prefix(1);
    } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
        port = host.substr(colon + 1);
        host = host.substr(0, colon);
    }
    if (!host.empty()) address.host = std::string(host);
    if (!port.empty()) {
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
            throw ConfigError("REDIS_URL: port \"" + std::string(port) + "\" is not a port (1-65535)");
        address.port = static_cast<std::uint16_t>(value);
    }
    return address;
}

struct Client::Impl {
    Address address;
    std::chrono::milliseconds timeout;
    redisContext* context = nullptr;

    ~Impl() { disconnect(); }

    void disconnect() {
        if (context) redisFree(context);
        context = nullptr;
    }

    std::string endpoint() const {
        return address.unix_socket.empty() ? address.host + ":" + std::to_string(address.port) : address.unix_socket;
    }

    timeval timeout_value() const {
        timeval tv{};
        tv.tv_sec = static_cast<long>(timeout.count() / 1000);
        tv.tv_usec = static_cast<long>((timeout.count() % 1000) * 1000);
        return tv;
    }

    [[noreturn]] void fail(const std::string& what) {
        std::string message = "redis " + endpoint() + ": " + what;
        disconnect();
        throw UnavailableError(message);
    }

    // A command during setup (AUTH/SELECT); its error reply is fatal.
    void setup_command(const std::vector<std::string>& arguments, std::string_view what) {
        const Reply reply = send(arguments);
        if (reply.is_error()) fail(std::string(what) + " failed: " + reply.text);
    }

    void connect() {
        const timeval tv = timeout_value();
        context = address.unix_socket.empty() ? redisConnectWithTimeout(address.host.c_str(), address.port, tv)
                                              : redisConnectUnixWithTimeout(address.unix_socket.c_str(), tv);
        if (!context) fail("cannot allocate a connection");
        if (context->err) fail(context->errstr);
        redisSetTimeout(context, tv);
        if (!address.password.empty()) {
            if (address.username.empty()) setup_command({"AUTH", address.password}, "AUTH");
            else setup_command({"AUTH", address.username, address.password}, "AUTH");
        }
        if (address.database != 0) setup_command({"SELECT", std::to_string(address.database)}, "SELECT");
    }

    void append(const std::vector<std::string>& arguments) {
        std::vector<const char*> argv;
        std::vector<std::size_t> lengths;
        for (const auto& a : arguments) {
            argv.push_back(a.data());
            lengths.push_back(a.size());
        }
        if (redisAppendCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data()) != REDIS_OK)
            fail(context->errstr);
    }

    Reply read_reply() {
        void* raw = nullptr;
        if (redisGetReply(context, &raw) != REDIS_OK) fail(context->err ? context->errstr : "connection lost");
        return convert(ReplyPtr(static_cast<redisReply*>(raw)).get());
    }

    Reply send(const std::vector<std::string>& arguments) {
        append(arguments);
        return read_reply();
    }

    // Runs `commands` once; on a connection failure, reconnects and runs them once more.
    std::vector<Reply> run(const std::vector<std::vector<std::string>>& commands) {
        for (int attempt = 0;; ++attempt) {
            try {
                if (!context) connect();
                for (const auto& command : commands) append(command);
                std::vector<Reply> replies;
                replies.reserve(commands.size());
                for (std::size_t i = 0; i < commands.size(); ++i) replies.push_back(read_reply());
                return replies;
            } catch (const UnavailableError&) {
                if (attempt > 0) throw;
            }
        }
    }
};

Client::Client(Address address, std::chrono::milliseconds timeout) : impl_(std::make_unique<Impl>()) {
    impl_->address = std::move(address);
    impl_->timeout = timeout;
}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

Reply Client::command(const std::vector<std::string>& arguments) { return impl_->run({arguments}).front(); }

std::vector<Reply> Client::pipeline(const std::vector<std::vector<std::string>>& commands) {
    if (commands.empty()) return {};
    return impl_->run(commands);
}

bool Client::ping() noexcept {
    try {
        const Reply reply = command({"PING"});
        return reply.type == Reply::Type::status && reply.text == "PONG";
    } catch (...) {
        return false;
    }
}

std::string Client::endpoint() const { return impl_->endpoint(); }

}  // namespace aaiti::redis
