// The only Beast TU of the gateway: upstream connections, their per-I/O-thread pools and one
// request/response exchange. Everything else (balancing, retries, auth) is plain C++ elsewhere.
#include "services/gateway/upstream_client.h"

#include <array>

#include <boost/asio/connect.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>

#include "common/error.h"
#include "common/logging.h"
#include "services/gateway/proxy_headers.h"
#include "services/kit/io_context.h"

namespace aaiti::gateway {

namespace asio = kit::internal::asio;
namespace beast = kit::internal::beast;
namespace http = kit::internal::http;
using tcp = kit::internal::tcp;

namespace {

constexpr std::uint32_t k_response_header_limit = 64 * 1024;

struct Connection {
    explicit Connection(asio::io_context& ioc) : stream(ioc) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
};

std::string_view sv(beast::string_view s) noexcept { return {s.data(), s.size()}; }

}  // namespace

struct UpstreamClient::Impl {
    ClientLimits limits;
    std::vector<std::vector<tcp::endpoint>> endpoints;  // per upstream
    // pools[thread][upstream]: idle keep-alive connections, used only by that I/O thread.
    std::vector<std::vector<std::vector<std::unique_ptr<Connection>>>> pools;

    std::unique_ptr<Connection> take_idle(int thread, std::size_t index) {
        auto& idle = pools[static_cast<std::size_t>(thread)][index];
        if (idle.empty()) return nullptr;
        auto c = std::move(idle.back());
        idle.pop_back();
        return c;
    }

    void give_back(int thread, std::size_t index, std::unique_ptr<Connection> c) {
        auto& idle = pools[static_cast<std::size_t>(thread)][index];
        if (idle.size() < limits.idle_per_upstream) idle.push_back(std::move(c));
    }

    asio::awaitable<void> exchange(int thread, std::size_t index, std::string head, std::string_view body, bool head_request,
                                   Done done);
};

UpstreamClient::UpstreamClient(const std::vector<UpstreamAddress>& upstreams, unsigned io_threads, ClientLimits limits)
    : impl_(std::make_unique<Impl>()) {
    impl_->limits = limits;
    asio::io_context resolver_ioc;
    tcp::resolver resolver(resolver_ioc);
    for (const auto& u : upstreams) {
        beast::error_code ec;
        auto results = resolver.resolve(u.host, std::to_string(u.port), ec);
        if (ec || results.empty())
            throw ConfigError("upstream " + u.url + ": cannot resolve \"" + u.host + "\": " + ec.message());
        std::vector<tcp::endpoint> eps;
        for (const auto& r : results) eps.push_back(r.endpoint());
        impl_->endpoints.push_back(std::move(eps));
    }
    impl_->pools.resize(io_threads);
    for (auto& per_thread : impl_->pools) per_thread.resize(upstreams.size());
}

UpstreamClient::~UpstreamClient() = default;

int UpstreamClient::io_thread_index() noexcept { return kit::current_io_thread_index(); }

void UpstreamClient::send(std::size_t index, std::string head, std::string_view body, bool head_request, Done done) {
    asio::io_context* ioc = kit::current_io_context();
    const int thread = kit::current_io_thread_index();
    if (!ioc || thread < 0 || static_cast<std::size_t>(thread) >= impl_->pools.size() || index >= impl_->endpoints.size()) {
        ExchangeResult r;
        r.kind = ExchangeResult::Kind::failed;
        r.detail = "UpstreamClient::send called off a kit I/O thread";
        done(std::move(r));
        return;
    }
    asio::co_spawn(*ioc, impl_->exchange(thread, index, std::move(head), body, head_request, std::move(done)), asio::detached);
}

asio::awaitable<void> UpstreamClient::Impl::exchange(int thread, std::size_t index, std::string head, std::string_view body,
                                                     bool head_request, Done done) {
    ExchangeResult result;
    try {
        asio::io_context& ioc = *kit::current_io_context();
        beast::error_code ec;
        // Two attempts only when the first used a pooled connection the upstream had already closed
        // (the keep-alive race): nothing of a response arrived, so the request was not served.
        for (int attempt = 0; attempt < 2; ++attempt) {
            std::unique_ptr<Connection> conn = attempt == 0 ? take_idle(thread, index) : nullptr;
            const bool reused = conn != nullptr;
            if (!conn) {
                conn = std::make_unique<Connection>(ioc);
                conn->stream.expires_after(limits.connect_timeout);
                co_await conn->stream.async_connect(endpoints[index], asio::redirect_error(asio::use_awaitable, ec));
                if (ec) {
                    result.kind = ExchangeResult::Kind::connect_error;
                    result.detail = ec == beast::error::timeout ? "connect timeout" : ec.message();
                    break;
                }
                conn->stream.socket().set_option(tcp::no_delay(true), ec);
            }
            conn->stream.expires_after(limits.response_timeout);
            std::array<asio::const_buffer, 2> out{asio::buffer(head), asio::buffer(body.data(), body.size())};
            co_await asio::async_write(conn->stream, out, asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                if (reused && ec != beast::error::timeout) continue;
                result.kind = ec == beast::error::timeout ? ExchangeResult::Kind::timeout : ExchangeResult::Kind::failed;
                result.detail = "writing the request: " + ec.message();
                break;
            }
            http::response_parser<http::string_body> parser;
            parser.header_limit(k_response_header_limit);
            parser.body_limit(limits.response_body_limit);
            if (head_request) parser.skip(true);
            co_await http::async_read(conn->stream, conn->buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
            if (ec) {
                const bool stale = reused && !parser.got_some() &&
                                   (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
                                    ec == asio::error::eof || ec == asio::error::broken_pipe);
                if (stale) continue;
                result.kind = ec == beast::error::timeout ? ExchangeResult::Kind::timeout : ExchangeResult::Kind::failed;
                result.detail = "reading the response: " + ec.message();
                break;
            }

            auto& msg = parser.get();
            kit::Response& res = result.response;
            res.status = static_cast<int>(msg.result_int());
            res.content_type = std::string(sv(msg[http::field::content_type]));
            std::string connection;  // every Connection field, joined
            for (const auto& field : msg)
                if (field.name() == http::field::connection) {
                    if (!connection.empty()) connection += ',';
                    connection += sv(field.value());
                }
            for (const auto& field : msg) {
                const std::string_view name = sv(field.name_string());
                if (is_hop_by_hop(name, connection) || is_kit_response_field(name)) continue;
                res.headers.add(std::string(name), std::string(sv(field.value())));
            }
            res.body = std::move(msg.body());
            // A HEAD reply has no body but announces the GET's length: pass that on, not 0.
            if (head_request && parser.content_length()) res.head_content_length = static_cast<std::size_t>(*parser.content_length());
            result.kind = ExchangeResult::Kind::response;
            if (parser.keep_alive()) {
                conn->stream.expires_never();
                give_back(thread, index, std::move(conn));
            }
            break;
        }
        if (result.kind == ExchangeResult::Kind::failed && result.detail.empty()) result.detail = "connection closed by the upstream";
    } catch (const std::exception& e) {
        result = {};
        result.kind = ExchangeResult::Kind::failed;
        result.detail = e.what();
    }
    done(std::move(result));
}

}  // namespace aaiti::gateway
