#include "common/redis.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include "common/error.h"
#include "common/hex.h"
#include "common/secrets.h"

namespace aaiti::redis {
namespace {

// Userinfo in URLs may be percent-encoded (a password with '@' or ':').
std::string percent_decode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size()) {
            const int hi = hex_digit_value(text[i + 1]), lo = hex_digit_value(text[i + 2]);
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

// hiredis's binary-safe argv form of one command: pointers into `arguments`, which must outlive it.
// Used non-const: hiredis 0.14 takes `const char**`.
struct CommandArgv {
    explicit CommandArgv(const std::vector<std::string>& arguments) {
        for (const auto& a : arguments) {
            argv.push_back(a.data());
            lengths.push_back(a.size());
        }
    }
    int count() const { return static_cast<int>(argv.size()); }
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
};

// AUTH with a Redis 6 ACL user, or the password alone; empty when there is no password.
std::vector<std::string> auth_command(const std::string& username, const std::string& password) {
    if (password.empty()) return {};
    if (username.empty()) return {"AUTH", password};
    return {"AUTH", username, password};
}

// AUTH for the data nodes, as the URL's userinfo says.
std::vector<std::string> auth_command(const Address& address) { return auth_command(address.username, address.password); }

// AUTH for the sentinels, as the URL's ?sentinel_password= / &sentinel_username= say.
std::vector<std::string> sentinel_auth_command(const Address& address) {
    return auth_command(address.sentinel_username, address.sentinel_password);
}

constexpr std::uint16_t k_default_port = 6379;
constexpr std::uint16_t k_default_sentinel_port = 26379;

// "host", "host:port", "[v6]", "[v6]:port". `what` names the part in messages ("host", "sentinel").
HostPort parse_host_port(std::string_view text, std::uint16_t default_port, std::string_view what) {
    std::string_view host = text;
    std::string_view port;
    if (!host.empty() && host.front() == '[') {
        const auto close = host.find(']');
        if (close == std::string_view::npos) throw ConfigError("REDIS_URL: unterminated [IPv6] " + std::string(what));
        port = host.substr(close + 1);
        host = host.substr(1, close - 1);
        if (!port.empty() && port.front() == ':') port.remove_prefix(1);
    } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
        port = host.substr(colon + 1);
        host = host.substr(0, colon);
    }
    HostPort out{std::string(host), default_port};
    if (!port.empty()) {
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
            throw ConfigError("REDIS_URL: " + std::string(what) + " port \"" + std::string(port) + "\" is not a port (1-65535)");
        out.port = static_cast<std::uint16_t>(value);
    }
    return out;
}

// Strips "[user]:password@" or "password@" off `authority` into `address`.
void take_userinfo(std::string_view& authority, Address& address) {
    const auto at = authority.rfind('@');
    if (at == std::string_view::npos) return;
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

// One "name=value" of a redis-sentinel:// query into `address`. Only the name is ever echoed: the
// value may be a password.
void take_sentinel_param(std::string_view param, Address& address) {
    const auto equals = param.find('=');
    const std::string_view name = param.substr(0, equals);
    std::string* field = name == "sentinel_password"   ? &address.sentinel_password
                         : name == "sentinel_username" ? &address.sentinel_username
                                                       : nullptr;
    if (!field)
        throw ConfigError("REDIS_URL: redis-sentinel:// query parameter \"" + std::string(name) +
                          "\" is not known; the known ones are sentinel_password and sentinel_username");
    if (!field->empty()) throw ConfigError("REDIS_URL: redis-sentinel:// query parameter " + std::string(name) + " is given twice");
    if (equals != std::string_view::npos) *field = percent_decode(param.substr(equals + 1));
    if (field->empty()) throw ConfigError("REDIS_URL: redis-sentinel:// query parameter " + std::string(name) + " has no value");
}

// "sentinel_password=...&sentinel_username=..." (what follows the '?') into `address`.
void take_sentinel_query(std::string_view query, Address& address) {
    while (!query.empty()) {
        const auto amp = query.find('&');
        if (const std::string_view param = query.substr(0, amp); !param.empty()) take_sentinel_param(param, address);
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    // A user alone would silently go unused (no AUTH is sent without a password).
    if (!address.sentinel_username.empty() && address.sentinel_password.empty())
        throw ConfigError("REDIS_URL: redis-sentinel:// query parameter sentinel_username needs sentinel_password too");
}

// redis-sentinel://[[user]:password@]host[:port][,host[:port]].../<master-name>[/db][?query]; `rest`
// is what follows the "://".
Address parse_sentinel_url(std::string_view rest) {
    static constexpr const char* k_form =
        "redis-sentinel://[user:password@]host[:port][,host[:port]]/<master-name>[/db][?sentinel_password=...]";
    Address address;
    const auto slash = rest.find('/');
    // The query starts at the first '?' after the authority (a '?' in the userinfo is the password's).
    if (const auto question = rest.find('?', slash == std::string_view::npos ? rest.size() : slash);
        question != std::string_view::npos) {
        take_sentinel_query(rest.substr(question + 1), address);
        rest = rest.substr(0, question);
    }
    std::string_view authority = rest.substr(0, slash);
    take_userinfo(authority, address);
    if (authority.empty()) throw ConfigError(std::string("REDIS_URL: redis-sentinel:// names no sentinel; expected ") + k_form);
    while (true) {
        const auto comma = authority.find(',');
        const std::string_view one = authority.substr(0, comma);
        HostPort sentinel = parse_host_port(one, k_default_sentinel_port, "sentinel");
        if (sentinel.host.empty())
            throw ConfigError(std::string("REDIS_URL: redis-sentinel:// has an empty sentinel host (a stray ',' or ':'?); expected ") +
                              k_form);
        address.sentinels.push_back(std::move(sentinel));
        if (comma == std::string_view::npos) break;
        authority.remove_prefix(comma + 1);
    }
    std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    const auto next = path.find('/');
    const std::string_view name = path.substr(0, next);
    if (name.empty())
        throw ConfigError(std::string("REDIS_URL: redis-sentinel:// needs the master's name after the sentinels; expected ") + k_form);
    if (name.find_first_of("# \t") != std::string_view::npos)  // the query ('?') is already split off
        throw ConfigError("REDIS_URL: redis-sentinel:// master name \"" + std::string(name) +
                          "\" has a character that is not allowed ('#' or a space)");
    address.master_name = percent_decode(name);
    if (next != std::string_view::npos) {
        const std::string_view db = path.substr(next + 1);
        if (db.find('/') != std::string_view::npos)
            throw ConfigError(std::string("REDIS_URL: redis-sentinel:// has a path after the database; expected ") + k_form);
        if (!db.empty()) address.database = parse_database(db, "redis-sentinel:// URL");
    }
    address.host.clear();  // the master's address comes from the sentinels
    address.port = 0;
    return address;
}

}  // namespace

Address parse_url(std::string_view url) {
    // Only the scheme and host are ever echoed: the URL may hold a password.
    Address address;
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos)
        throw ConfigError("REDIS_URL: expected redis://host:port, redis-sentinel://host:port/master or unix:///path, "
                          "got a value without a scheme");
    const std::string_view scheme = url.substr(0, scheme_end);
    std::string_view rest = url.substr(scheme_end + 3);
    if (scheme == "rediss")
        throw ConfigError("REDIS_URL: rediss:// (TLS) is not supported by this build's hiredis; use redis:// on a "
                          "trusted network or a TLS tunnel");
    if (scheme == "redis-sentinel") return parse_sentinel_url(rest);
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
        throw ConfigError("REDIS_URL: scheme \"" + std::string(scheme) +
                          "\" is not supported; use redis://, redis-sentinel:// or unix:// (Redis Cluster is not supported)");

    const auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    if (slash != std::string_view::npos && slash + 1 < rest.size())
        address.database = parse_database(rest.substr(slash + 1), "redis:// URL");
    take_userinfo(authority, address);
    HostPort node = parse_host_port(authority, k_default_port, "host");
    if (!node.host.empty()) address.host = std::move(node.host);
    address.port = node.port;
    return address;
}

namespace {

std::string host_port(const std::string& host, std::uint16_t port) {
    return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace

std::string describe(const Address& address) {
    if (!address.unix_socket.empty()) return address.unix_socket;
    if (!address.uses_sentinel()) return host_port(address.host, address.port);
    std::string out = "master " + address.master_name + " via sentinels ";
    for (std::size_t i = 0; i < address.sentinels.size(); ++i) {
        if (i > 0) out += ',';
        out += host_port(address.sentinels[i].host, address.sentinels[i].port);
    }
    if (!address.host.empty()) out += " at " + host_port(address.host, address.port);
    return out;
}

bool is_readonly_error(std::string_view error_text) { return error_text.substr(0, 8) == "READONLY"; }

namespace {

struct ContextDeleter {
    void operator()(redisContext* c) const { redisFree(c); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;

timeval to_timeval(std::chrono::milliseconds timeout) {
    timeval tv{};
    tv.tv_sec = static_cast<long>(timeout.count() / 1000);
    tv.tv_usec = static_cast<long>((timeout.count() % 1000) * 1000);
    return tv;
}

// A blocking connection for one look-up; null and `error` set when it fails.
ContextPtr connect_for_lookup(const HostPort& node, std::chrono::milliseconds timeout, std::string& error) {
    const timeval tv = to_timeval(timeout);
    ContextPtr c(redisConnectWithTimeout(node.host.c_str(), node.port, tv));
    if (!c) {
        error = "cannot allocate a connection";
        return nullptr;
    }
    if (c->err) {
        error = c->errstr;
        return nullptr;
    }
    redisSetTimeout(c.get(), tv);
    return c;
}

// One command; an error reply is returned as a Reply of type error, a broken connection sets `error`.
std::optional<Reply> lookup_command(redisContext* c, const std::vector<std::string>& arguments, std::string& error) {
    CommandArgv command(arguments);
    ReplyPtr reply(static_cast<redisReply*>(redisCommandArgv(c, command.count(), command.argv.data(), command.lengths.data())));
    if (!reply) {
        error = c->err ? c->errstr : "connection lost";
        return std::nullopt;
    }
    return convert(reply.get());
}

// `text` with every occurrence of `secret` masked. Redis 6+ never echoes a password, but a server
// without AUTH (a sentinel older than 5.0.1) answers "unknown command `AUTH`, with args beginning
// with: `<the password>`".
std::string without_secret(std::string text, const std::string& secret) {
    for (auto at = text.find(secret); !secret.empty() && at != std::string::npos; at = text.find(secret, at + k_mask.size()))
        text.replace(at, secret.size(), k_mask);
    return text;
}

// Sends `auth` (an AUTH command); false and `error` = "AUTH failed: <Redis's answer>" when refused.
bool authenticate(redisContext* c, const std::vector<std::string>& auth, std::string& error) {
    std::string why;
    const auto reply = lookup_command(c, auth, why);
    if (reply && !reply->is_error()) return true;
    error = "AUTH failed: " + without_secret(reply ? reply->text : why, auth.back());
    return false;
}

bool is_noauth_error(const Reply& reply) { return reply.is_error() && reply.text.rfind("NOAUTH", 0) == 0; }

// The sentinel's raw answer to get-master-addr-by-name, authenticating as the URL allows: with
// ?sentinel_password= first; without it, only after a NOAUTH answer and with the data nodes'
// credentials (sentinels often share them), then asking once more. Nullopt and `error` when the
// connection breaks or AUTH is refused.
std::optional<Reply> ask_master_addr(redisContext* c, const Address& address, std::string& error) {
    const std::vector<std::string> ask{"SENTINEL", "get-master-addr-by-name", address.master_name};
    if (const auto auth = sentinel_auth_command(address); !auth.empty() && !authenticate(c, auth, error)) return std::nullopt;
    auto reply = lookup_command(c, ask, error);
    if (!reply || !is_noauth_error(*reply) || !address.sentinel_password.empty()) return reply;
    if (address.password.empty()) {
        error = "requires a password (NOAUTH); give it as ?sentinel_password=";
        return std::nullopt;
    }
    if (!authenticate(c, auth_command(address), error)) {
        error = "requires a password (NOAUTH) and refused the URL's: " + error + "; give the sentinel's as ?sentinel_password=";
        return std::nullopt;
    }
    return lookup_command(c, ask, error);
}

// The master's host and port in a get-master-addr-by-name reply, or nullopt with `error` saying why not.
std::optional<HostPort> master_in_reply(const Reply& reply, const std::string& master_name, std::string& error) {
    if (reply.is_error()) {
        error = "SENTINEL get-master-addr-by-name failed: " + reply.text;
        return std::nullopt;
    }
    if (reply.type == Reply::Type::nil) {
        error = "knows no master named \"" + master_name + "\"";
        return std::nullopt;
    }
    unsigned port = 0;
    if (reply.type == Reply::Type::array && reply.elements.size() == 2) {
        const std::string& p = reply.elements[1].text;
        const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
        if (ec != std::errc() || end != p.data() + p.size()) port = 0;
    }
    if (port == 0 || port > 65535 || reply.elements[0].text.empty()) {
        error = "answered something that is not a host and port";
        return std::nullopt;
    }
    return HostPort{reply.elements[0].text, static_cast<std::uint16_t>(port)};
}

// The sentinel's answer to get-master-addr-by-name, or nullopt with `error` saying why not.
std::optional<HostPort> ask_sentinel(const HostPort& sentinel, const Address& address, std::chrono::milliseconds timeout,
                                     std::string& error) {
    const ContextPtr c = connect_for_lookup(sentinel, timeout, error);
    if (!c) return std::nullopt;
    const auto reply = ask_master_addr(c.get(), address, error);
    if (!reply) return std::nullopt;
    return master_in_reply(*reply, address.master_name, error);
}

// True when `node` accepts our credentials and says ROLE master; else `error` says why not.
bool confirm_master(const HostPort& node, const Address& address, std::chrono::milliseconds timeout, std::string& error) {
    const std::string where = "its answer " + host_port(node.host, node.port);
    std::string why;
    const ContextPtr c = connect_for_lookup(node, timeout, why);
    if (!c) {
        error = where + ": " + why;
        return false;
    }
    if (const auto auth = auth_command(address); !auth.empty() && !authenticate(c.get(), auth, why)) {
        error = where + ": " + why;
        return false;
    }
    const auto role = lookup_command(c.get(), {"ROLE"}, why);
    if (!role || role->is_error()) {
        error = where + ": ROLE failed: " + (role ? role->text : why);
        return false;
    }
    const std::string said = role->type == Reply::Type::array && !role->elements.empty() ? role->elements[0].text : "?";
    if (said != "master") {
        error = where + " is a " + said + ", not a master (the sentinel's view is stale)";
        return false;
    }
    return true;
}

}  // namespace

Address resolve_master(const Address& address, std::chrono::milliseconds timeout_each) {
    if (!address.uses_sentinel()) return address;
    std::string failures;
    for (const auto& sentinel : address.sentinels) {
        std::string error;
        if (const auto answer = ask_sentinel(sentinel, address, timeout_each, error)) {
            if (confirm_master(*answer, address, timeout_each, error)) {
                Address resolved = address;
                resolved.host = answer->host;
                resolved.port = answer->port;
                return resolved;
            }
        }
        if (!failures.empty()) failures += "; ";
        failures += "sentinel " + host_port(sentinel.host, sentinel.port) + ": " + error;
    }
    throw UnavailableError("redis: no master \"" + address.master_name + "\" found through the sentinels (" + failures + ")");
}

struct Client::Impl {
    Address address;  // as configured
    Address target;   // what connect() reached: `address`, or with sentinels the master they named
    std::chrono::milliseconds timeout;
    redisContext* context = nullptr;

    ~Impl() { disconnect(); }

    void disconnect() {
        if (context) redisFree(context);
        context = nullptr;
    }

    std::string endpoint() const { return describe(target); }

    timeval timeout_value() const { return to_timeval(timeout); }

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
        // With sentinels: the master as of now (every reconnect asks again); throws UnavailableError.
        target = resolve_master(address, std::min(timeout, k_sentinel_timeout_each));
        const timeval tv = timeout_value();
        context = target.unix_socket.empty() ? redisConnectWithTimeout(target.host.c_str(), target.port, tv)
                                             : redisConnectUnixWithTimeout(target.unix_socket.c_str(), tv);
        if (!context) fail("cannot allocate a connection");
        if (context->err) fail(context->errstr);
        redisSetTimeout(context, tv);
        if (const auto auth = auth_command(address); !auth.empty()) setup_command(auth, "AUTH");
        if (address.database != 0) setup_command({"SELECT", std::to_string(address.database)}, "SELECT");
    }

    void append(const std::vector<std::string>& arguments) {
        CommandArgv command(arguments);
        if (redisAppendCommandArgv(context, command.count(), command.argv.data(), command.lengths.data()) != REDIS_OK)
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

    // Runs `commands` once; on a connection failure, reconnects and runs them once more. With
    // sentinels, a READONLY reply (the master was demoted under this connection) is such a failure:
    // nothing was written there, so running the commands again on the current master is safe.
    std::vector<Reply> run(const std::vector<std::vector<std::string>>& commands) {
        for (int attempt = 0;; ++attempt) {
            try {
                if (!context) connect();
                for (const auto& command : commands) append(command);
                std::vector<Reply> replies;
                replies.reserve(commands.size());
                for (std::size_t i = 0; i < commands.size(); ++i) replies.push_back(read_reply());
                const bool demoted = address.uses_sentinel() && std::any_of(replies.begin(), replies.end(), [](const Reply& r) {
                    return r.is_error() && is_readonly_error(r.text);
                });
                if (demoted && attempt == 0) {
                    disconnect();
                    continue;
                }
                return replies;
            } catch (const UnavailableError&) {
                if (attempt > 0) throw;
            }
        }
    }
};

Client::Client(Address address, std::chrono::milliseconds timeout) : impl_(std::make_unique<Impl>()) {
    impl_->target = address;
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
