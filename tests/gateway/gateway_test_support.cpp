#include "tests/gateway/gateway_test_support.h"

#include "common/jwt.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <stdexcept>
#include <thread>

#include "services/kit/request.h"
#include "services/kit/response.h"

namespace aaiti::gateway::test {

TestUpstream::TestUpstream(std::string name, std::uint16_t port) : name_(std::move(name)), port_(port) { start(); }
TestUpstream::~TestUpstream() { stop(); }

void TestUpstream::start() {
    kit::ServerOptions o;
    o.host = "127.0.0.1";
    o.port = port_;
    o.threads = 1;
    o.worker_threads = 8;
    o.access_log = false;
    o.drain_timeout = 5s;
    o.body_limit = 8 * 1024 * 1024;
    server_ = std::make_unique<kit::Server>(o);
    const std::string name = name_;
    auto tagged = [name](kit::Response r) {
        r.headers.add("X-Upstream", name);
        return r;
    };
    auto echo = [tagged](const kit::Request& r) {
        std::string out = "method=" + r.method + "\npath=" + r.path + "\nquery=" + r.query + "\n";
        for (const auto& h : r.headers) {
            std::string lower = h.name;
            for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            out += "header:" + lower + "=" + h.value + "\n";
        }
        out += "body=" + r.body + "\n";
        kit::Response res = kit::Response::text(200, out);
        // Hop-by-hop fields the gateway must not pass back.
        res.headers.add("Keep-Alive", "timeout=99");
        res.headers.add("Proxy-Authenticate", "Basic");
        res.headers.add("X-End-To-End", "kept");
        return tagged(res);
    };
    for (const char* m : {"GET", "POST", "PUT", "DELETE", "PATCH"}) server_->route(m, "/api/svc/echo", echo);
    // Any other path: the same echo, so every routed prefix reaches something.
    server_->fallback_async("any", [echo](const kit::Request& r, kit::Responder done) { done(echo(r)); });
    server_->get("/api/svc/name", [tagged, name](const kit::Request&) { return tagged(kit::Response::text(200, name)); });
    server_->get("/api/svc/status/{code}", [tagged](const kit::Request& r) {
        return tagged(kit::Response::text(std::stoi(std::string(r.param("code"))), "status"));
    });
    server_->route_blocking("GET", "/api/svc/slow", [tagged, name](const kit::Request& r) {
        std::this_thread::sleep_for(std::chrono::milliseconds(std::stoi(r.query_param("ms").value_or("200"))));
        return tagged(kit::Response::text(200, name));
    });
    server_->start();
    port_ = server_->port();
}

void TestUpstream::stop() {
    if (server_) server_->stop();
    server_.reset();
}

GatewayOptions test_gateway_options(std::vector<RouteSpec> routes) {
    GatewayOptions o;
    o.server.host = "127.0.0.1";
    o.server.port = 0;
    o.server.threads = 2;
    o.server.access_log = false;
    o.server.drain_timeout = 5s;
    o.routes = std::move(routes);
    o.health_interval = 100ms;
    o.health_timeout = 500ms;
    o.eject_base = 200ms;
    o.eject_max = 1s;
    o.auth_enabled = false;
    o.rate_limit_enabled = false;
    return o;
}

RouteSpec route(std::string prefix, const std::vector<const TestUpstream*>& upstreams) {
    RouteSpec r;
    r.prefix = std::move(prefix);
    for (const auto* u : upstreams) r.upstreams.push_back(parse_upstream_url(u->url()));
    return r;
}

std::string fresh_loopback_ip() {
    static thread_local std::mt19937 rng{std::random_device{}()};
    std::uniform_int_distribution<int> d(1, 254);
    return "127." + std::to_string(d(rng)) + "." + std::to_string(d(rng)) + "." + std::to_string(d(rng));
}

namespace {

// Reads until the server closes (the request said Connection: close) and parses one response.
Reply read_all_and_parse(int fd) {
    std::string data;
    char buf[65536];
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    for (;;) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        data.append(buf, static_cast<std::size_t>(n));
    }
    auto end = data.find("\r\n\r\n");
    if (end == std::string::npos) throw std::runtime_error("no HTTP response (got " + std::to_string(data.size()) + " bytes)");
    Reply r;
    std::string head = data.substr(0, end);
    auto line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    r.version = status_line.substr(0, status_line.find(' '));
    r.status = std::stoi(status_line.substr(status_line.find(' ') + 1, 3));
    std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
        auto next = head.find("\r\n", pos);
        if (next == std::string::npos) next = head.size();
        std::string line = head.substr(pos, next - pos);
        auto colon = line.find(':');
        if (colon != std::string::npos) {
            std::string value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.erase(0, 1);
            r.headers.emplace_back(line.substr(0, colon), value);
        }
        pos = next + 2;
    }
    r.body = data.substr(end + 4);
    return r;
}

}  // namespace

Reply http(std::uint16_t port, std::string_view method, std::string_view target,
           const std::vector<std::pair<std::string, std::string>>& headers, std::string_view body, const std::string& source_ip) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    sockaddr_in src{};
    src.sin_family = AF_INET;
    inet_pton(AF_INET, source_ip.c_str(), &src.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) {
        ::close(fd);
        throw std::runtime_error("bind to " + source_ip + " failed");
    }
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0) {
        ::close(fd);
        throw std::runtime_error("connect failed");
    }
    std::string req = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: gw.test\r\nConnection: close\r\n";
    for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
    if (!body.empty() || method == "POST" || method == "PUT") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n";
    req += body;
    std::size_t sent = 0;
    while (sent < req.size()) {
        ssize_t n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;  // the server may answer (413) before reading everything
        sent += static_cast<std::size_t>(n);
    }
    Reply r = read_all_and_parse(fd);
    ::close(fd);
    return r;
}

std::map<std::string, std::string> parse_echo(const std::string& body) {
    std::map<std::string, std::string> out;
    std::size_t pos = 0;
    while (pos < body.size()) {
        auto nl = body.find('\n', pos);
        if (nl == std::string::npos) nl = body.size();
        std::string line = body.substr(pos, nl - pos);
        auto eq = line.find('=');
        if (eq != std::string::npos) {
            auto [it, fresh] = out.emplace(line.substr(0, eq), line.substr(eq + 1));
            if (!fresh) it->second += "|" + line.substr(eq + 1);  // repeated header
        }
        pos = nl + 1;
    }
    return out;
}

double metric_value(const std::string& text, std::string_view series) {
    std::size_t pos = 0;
    while ((pos = text.find(series, pos)) != std::string::npos) {
        if (pos == 0 || text[pos - 1] == '\n') {
            auto eol = text.find('\n', pos);
            std::string line = text.substr(pos, eol - pos);
            return std::stod(line.substr(line.rfind(' ') + 1));
        }
        pos += series.size();
    }
    return -1;
}

std::string access_token_for(const std::string& secret, const std::string& sub) {
    jwt::KeySet keys(secret);
    jwt::Claims c;
    c.sub = sub;
    c.role = "trader";
    c.sid = "sid-" + sub;
    c.typ = "access";
    c.iat = jwt::unix_now() - 10;
    c.exp = jwt::unix_now() + 600;
    return jwt::sign(c, keys.signing_key());
}

OtlpReceiver::OtlpReceiver()
    : server_([] {
          kit::ServerOptions o;
          o.threads = 1;
          o.access_log = false;
          o.body_limit = 16 * 1024 * 1024;
          return o;
      }()) {
    server_.post("/v1/traces", [this](const kit::Request& r) {
        std::lock_guard lock(mutex_);
        bodies_ += r.body;
        return kit::Response::json(200, "{}");
    });
    server_.start();
}

std::string OtlpReceiver::all() {
    std::lock_guard lock(mutex_);
    return bodies_;
}

}  // namespace aaiti::gateway::test
