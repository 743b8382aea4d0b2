// The only Beast TU of the gateway: upstream connections, their per-I/O-thread pools and one
// request/response exchange. Everything else (balancing, retries, auth) is plain C++ elsewhere.
#include "services/gateway/upstream_client.h"

#include <array>
#include <limits>

#include <boost/asio/connect.hpp>
#include <boost/beast/core/read_size.hpp>

#include "common/error.h"
#include "common/logging.h"
#include "services/gateway/proxy_headers.h"
#include "services/gateway/upstream_response_parser.h"
#include "services/kit/io_context.h"

namespace aaiti::gateway {

namespace asio = kit::internal::asio;
namespace beast = kit::internal::beast;
namespace http = kit::internal::http;
using tcp = kit::internal::tcp;

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint32_t k_response_header_limit = 64 * 1024;
constexpr std::size_t k_stream_piece = 64 * 1024;

auto redirect(beast::error_code& ec) { return asio::redirect_error(kit::use_io_task, ec); }

// One connection to an upstream: socket, read buffer and deadline.
//
// Its timeout is the kit session's scheme (services/kit/internal/session.cpp): a deadline variable
// and one timer re-armed only when the deadline moves earlier, so giving every exchange its response
// timeout is a clock read and a store. Beast's basic_stream armed and cancelled a timer around every
// read and write instead: timer-queue work, an extra completion and an allocation each, 7% of the
// gateway's instructions per proxied request (callgrind).
class Connection : public std::enable_shared_from_this<Connection> {
public:
    explicit Connection(asio::io_context& ioc) : socket(ioc), timer_(ioc) {}

    kit::IoSocket socket;
    beast::flat_buffer buffer;

    // Operations still pending `after` from now fail: the socket is closed and timed_out() says why.
    void expire_after(std::chrono::milliseconds after) {
        deadline_ = Clock::now() + after;
        if (!waiting_) {
            arm();
        } else if (deadline_ < timer_expiry_) {
            timer_expiry_ = deadline_;
            timer_.expires_at(deadline_);  // the pending wait ends (aborted) and re-arms for it
        }
    }
    // No deadline (an idle pooled connection): a pending wait ends at its expiry without re-arming.
    void expire_never() noexcept { deadline_ = Clock::time_point::max(); }
    bool timed_out() const noexcept { return timed_out_; }

private:
    void arm() {
        waiting_ = true;
        timer_expiry_ = deadline_;
        timer_.expires_at(deadline_);
        timer_.async_wait([weak = weak_from_this()](const beast::error_code& ec) {
            if (auto self = weak.lock()) self->on_timer(ec);
        });
    }

    void on_timer(const beast::error_code& ec) {
        waiting_ = false;
        if (deadline_ == Clock::time_point::max()) return;
        if (!ec && Clock::now() >= deadline_) {
            timed_out_ = true;
            deadline_ = Clock::time_point::max();
            beast::error_code ignored;
            socket.close(ignored);  // the pending operation completes with operation_aborted
            return;
        }
        arm();  // the deadline moved since the timer was set
    }

    kit::IoTimer timer_;
    Clock::time_point deadline_ = Clock::time_point::max();
    Clock::time_point timer_expiry_ = Clock::time_point::max();
    bool waiting_ = false;
    bool timed_out_ = false;
};

enum class ReadUntil { header, message, some_body };

// Feeds `parser` from the connection until the header is in, the whole message, or (some_body) the
// next piece of a streamed body: Beast's read loop done inline, as the kit session does (no
// composed operation, no trip through the scheduler when the bytes are already buffered), with
// Beast's read sizes (the buffer's free capacity, at least 512 bytes, at most 64 KiB).
kit::IoTask<void> read_response(Connection& c, UpstreamResponseParser& parser, ReadUntil until, beast::error_code& ec) {
    parser.eager(until != ReadUntil::header);
    for (;;) {
        if (until == ReadUntil::header ? parser.is_header_done() : parser.is_done()) co_return;
        if (c.buffer.size() > 0) {
            c.buffer.consume(parser.put(c.buffer.data(), ec));
            if (ec != http::error::need_more) {
                if (ec || until == ReadUntil::some_body) co_return;
                continue;
            }
            ec = {};
        }
        const std::size_t n = co_await c.socket.async_read_some(c.buffer.prepare(beast::read_size(c.buffer, 65536)), redirect(ec));
        if (ec == asio::error::eof) {
            ec = {};
            if (!parser.got_some()) {
                ec = http::error::end_of_stream;
                co_return;
            }
            parser.put_eof(ec);  // ends a body delimited by the close; partial_message otherwise
            co_return;
        }
        if (ec) co_return;
        c.buffer.commit(n);
    }
}

}  // namespace

// pools[thread][upstream]: idle keep-alive connections, used only by that I/O thread. Shared with
// the streamed bodies, which give their connection back at the body's end.
class ConnectionPools {
public:
    ConnectionPools(unsigned io_threads, std::size_t upstreams, std::size_t idle_limit) : idle_limit_(idle_limit) {
        pools_.resize(io_threads);
        for (auto& per_thread : pools_) per_thread.resize(upstreams);
    }

    std::shared_ptr<Connection> take(int thread, std::size_t index) {
        auto& idle = pools_[static_cast<std::size_t>(thread)][index];
        if (idle.empty()) return nullptr;
        auto c = std::move(idle.back());
        idle.pop_back();
        return c;
    }

    void give_back(int thread, std::size_t index, std::shared_ptr<Connection> c) {
        if (c->timed_out()) return;  // its deadline closed it just as the response completed
        auto& idle = pools_[static_cast<std::size_t>(thread)][index];
        if (idle.size() < idle_limit_) idle.push_back(std::move(c));
    }

    std::size_t threads() const noexcept { return pools_.size(); }

private:
    std::size_t idle_limit_;
    std::vector<std::vector<std::vector<std::shared_ptr<Connection>>>> pools_;
};

struct UpstreamClient::Impl {
    ClientLimits limits;
    std::vector<std::vector<tcp::endpoint>> endpoints;  // per upstream
    std::vector<std::string> names;                     // per upstream, for logs
    std::shared_ptr<ConnectionPools> pools;

    kit::IoTask<void> exchange(int thread, std::size_t index, Outgoing request, Done done);
};

namespace {

// An upstream response body passed on as it arrives (longer than the buffered limit, or of unknown
// length): owns the upstream connection until the body's end, then gives it back to its pool.
class UpstreamBody final : public kit::BodySource, public std::enable_shared_from_this<UpstreamBody> {
public:
    UpstreamBody(std::weak_ptr<ConnectionPools> pools, int thread, std::size_t index, std::shared_ptr<Connection> conn,
                 UpstreamResponseParser&& header_parser, std::chrono::milliseconds timeout, std::string upstream,
                 metrics::Counter* broken)
        : pools_(std::move(pools)),
          thread_(thread),
          index_(index),
          conn_(std::move(conn)),
          parser_(std::move(header_parser)),
          timeout_(timeout),
          upstream_(std::move(upstream)),
          broken_(broken),
          piece_(k_stream_piece) {
        // read_response reads as much as the buffer's free capacity (at least 512 bytes): without
        // room the body would come in 512-byte reads, one write to the client each.
        conn_->buffer.reserve(k_stream_piece);
    }

    std::optional<std::uint64_t> length() const override {
        const auto n = parser_.content_length();
        return n ? std::optional<std::uint64_t>(*n) : std::nullopt;
    }

    void read(Next next) override {
        if (!conn_) {  // already complete (or broken): nothing more
            next({{}, true, false});
            return;
        }
        asio::co_spawn(conn_->socket.get_executor(), pump(shared_from_this(), std::move(next)), asio::detached);
    }

private:
    static kit::IoTask<void> pump(std::shared_ptr<UpstreamBody> self, Next next) {
        Piece piece;
        try {
            piece = co_await self->read_piece();
        } catch (const std::exception& e) {
            self->conn_.reset();
            piece = {{}, false, true};
            logging::warn("gateway: upstream response body failed", {{"upstream", self->upstream_}, {"error", e.what()}});
        }
        if (piece.failed && self->broken_) self->broken_->inc();
        next(piece);
    }

    kit::IoTask<Piece> read_piece() {
        parser_.stream_into(piece_.data(), piece_.size());
        conn_->expire_after(timeout_);
        beast::error_code ec;
        co_await read_response(*conn_, parser_, ReadUntil::some_body, ec);
        if (ec == http::error::need_buffer) ec = {};
        if (ec) {
            logging::warn("gateway: upstream response body broke off",
                          {{"upstream", upstream_}, {"error", conn_->timed_out() ? "timeout" : ec.message()}});
            conn_.reset();
            co_return Piece{{}, false, true};
        }
        const std::string_view data(piece_.data(), parser_.streamed());
        if (!parser_.is_done()) co_return Piece{data, false, false};
        if (parser_.keep_alive()) {
            conn_->expire_never();
            conn_->buffer.shrink_to_fit();  // idle pooled connections keep no 64 KiB each
            if (auto pools = pools_.lock()) pools->give_back(thread_, index_, std::move(conn_));
        }
        conn_.reset();
        co_return Piece{data, true, false};
    }

    // Gone with the client, or never set (the connection must not be reused): it is then just closed.
    std::weak_ptr<ConnectionPools> pools_;
    int thread_;
    std::size_t index_;
    std::shared_ptr<Connection> conn_;  // null once the body is complete or broken
    UpstreamResponseParser parser_;
    std::chrono::milliseconds timeout_;
    std::string upstream_;
    metrics::Counter* broken_;
    std::vector<char> piece_;  // the bytes of the piece last handed out
};

}  // namespace

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
        impl_->names.push_back(u.url);
    }
    impl_->pools = std::make_shared<ConnectionPools>(io_threads, upstreams.size(), limits.idle_per_upstream);
}

UpstreamClient::~UpstreamClient() = default;

int UpstreamClient::io_thread_index() noexcept { return kit::current_io_thread_index(); }

void UpstreamClient::send(std::size_t index, Outgoing request, Done done) {
    asio::io_context* ioc = kit::current_io_context();
    const int thread = kit::current_io_thread_index();
    if (!ioc || thread < 0 || static_cast<std::size_t>(thread) >= impl_->pools->threads() || index >= impl_->endpoints.size()) {
        ExchangeResult r;
        r.kind = ExchangeResult::Kind::failed;
        r.detail = "UpstreamClient::send called off a kit I/O thread";
        done(std::move(r));
        return;
    }
    asio::co_spawn(*ioc, impl_->exchange(thread, index, std::move(request), std::move(done)), asio::detached);
}

namespace {

enum class BodyOutcome { sent, client_failed, upstream_answered, write_failed };

// Whether the upstream has sent something (its answer) while it is still being sent the body.
bool upstream_spoke(kit::IoSocket& socket) {
    beast::error_code ec;
    return socket.available(ec) > 0 && !ec;
}

// Forwards the client's streamed body: each piece as it comes, chunked when its length is unknown.
// `client_failed`: the client's side broke off (the kit then answers the client itself).
// `upstream_answered`: the upstream answered before it had the whole body (a 413, a 401) and may
// have closed; its answer is read and passed on instead of a 502, as HAProxy and nginx do.
// `write_failed`: `ec` says why.
kit::IoTask<BodyOutcome> forward_body(Connection& conn, kit::BodySource& body, std::chrono::milliseconds timeout,
                                      beast::error_code& ec) {
    kit::IoSocket& socket = conn.socket;
    const bool chunked = !body.length();
    for (;;) {
        const kit::BodySource::Piece piece = co_await kit::read_piece(body);
        if (piece.failed) co_return BodyOutcome::client_failed;
        if (upstream_spoke(socket)) co_return BodyOutcome::upstream_answered;
        conn.expire_after(timeout);
        if (!piece.data.empty()) {
            co_await kit::write_body_piece(socket, piece.data, chunked, ec);
            if (ec) co_return upstream_spoke(socket) ? BodyOutcome::upstream_answered : BodyOutcome::write_failed;
        }
        if (piece.end) break;
    }
    if (chunked) co_await kit::write_body_piece(socket, {}, true, ec);
    if (ec) co_return upstream_spoke(socket) ? BodyOutcome::upstream_answered : BodyOutcome::write_failed;
    co_return BodyOutcome::sent;
}

}  // namespace

kit::IoTask<void> UpstreamClient::Impl::exchange(int thread, std::size_t index, Outgoing request, Done done) {
    const std::string& head = request.head;
    const std::string_view body = request.body;
    const bool head_request = request.head_request;
    ExchangeResult result;
    try {
        asio::io_context& ioc = *kit::current_io_context();
        beast::error_code ec;
        // Two attempts only when the first used a pooled connection the upstream had already closed
        // (the keep-alive race): nothing of a response arrived, so the request was not served.
        for (int attempt = 0; attempt < 2; ++attempt) {
            std::shared_ptr<Connection> conn = attempt == 0 ? pools->take(thread, index) : nullptr;
            bool reused = conn != nullptr;
            if (!conn) {
                conn = std::make_shared<Connection>(ioc);
                conn->expire_after(limits.connect_timeout);
                co_await asio::async_connect(conn->socket, endpoints[index], redirect(ec));
                // A connect that timed out on one address can still have gone on to the next: the
                // deadline decides.
                if (ec || conn->timed_out()) {
                    result.kind = ExchangeResult::Kind::connect_error;
                    result.detail = conn->timed_out() ? "connect timeout" : ec.message();
                    break;
                }
                conn->socket.set_option(tcp::no_delay(true), ec);
            }
            conn->expire_after(limits.response_timeout);
            if (body.empty()) {  // one buffer: send(2), not sendmsg(2)
                co_await asio::async_write(conn->socket, asio::buffer(head), redirect(ec));
            } else {
                std::array<asio::const_buffer, 2> out{asio::buffer(head), asio::buffer(body.data(), body.size())};
                co_await asio::async_write(conn->socket, out, redirect(ec));
            }
            if (ec) {
                if (reused && !conn->timed_out()) continue;
                result.kind = conn->timed_out() ? ExchangeResult::Kind::timeout : ExchangeResult::Kind::failed;
                result.detail = "writing the request: " + ec.message();
                break;
            }
            // An upstream that answered before it had the whole body: its connection is not reused.
            bool answered_early = false;
            if (request.body_stream) {
                // From here nothing can be retried: the client's body is being consumed.
                const BodyOutcome outcome = co_await forward_body(*conn, *request.body_stream, limits.response_timeout, ec);
                request.body_stream.reset();
                if (outcome == BodyOutcome::client_failed) {
                    result.kind = ExchangeResult::Kind::client_failed;
                    result.detail = "the client's request body broke off";
                    break;
                }
                if (outcome == BodyOutcome::write_failed) {
                    result.kind = conn->timed_out() ? ExchangeResult::Kind::timeout : ExchangeResult::Kind::failed;
                    result.detail = "writing the request body: " + ec.message();
                    break;
                }
                answered_early = outcome == BodyOutcome::upstream_answered;
                ec = {};
                conn->expire_after(limits.response_timeout);
                reused = false;  // a stale connection can no longer be retried
            }
            UpstreamResponseParser parser;
            parser.header_limit(k_response_header_limit);
            if (head_request) parser.skip(true);
            co_await read_response(*conn, parser, ReadUntil::header, ec);
            if (ec) {
                const bool stale = reused && !parser.got_some() &&
                                   (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
                                    ec == asio::error::eof || ec == asio::error::broken_pipe);
                if (stale) continue;
                result.kind = conn->timed_out() ? ExchangeResult::Kind::timeout : ExchangeResult::Kind::failed;
                result.detail = "reading the response: " + ec.message();
                break;
            }
            // A short body of known length is read whole and answered in one write; a longer one, or
            // one of unknown length, is streamed through (memory stays bounded whatever its size).
            const bool buffered = parser.is_done() ||
                                  (parser.content_length() && *parser.content_length() <= limits.buffered_body_limit);
            if (buffered && !parser.is_done()) {
                co_await read_response(*conn, parser, ReadUntil::message, ec);
                if (ec) {
                    result.kind = conn->timed_out() ? ExchangeResult::Kind::timeout : ExchangeResult::Kind::failed;
                    result.detail = "reading the response: " + ec.message();
                    break;
                }
            }

            result.kind = ExchangeResult::Kind::response;
            kit::Response& res = result.response;
            res = std::move(parser.response());
            if (!buffered) {
                res.stream = std::make_shared<UpstreamBody>(answered_early ? nullptr : pools, thread, index, std::move(conn),
                                                            std::move(parser), limits.response_timeout, names[index],
                                                            request.broken_bodies);
                break;
            }
            // A HEAD reply has no body but announces the GET's length: pass that on, not 0.
            if (head_request && parser.content_length()) res.head_content_length = static_cast<std::size_t>(*parser.content_length());
            if (parser.keep_alive() && !answered_early) {
                conn->expire_never();
                pools->give_back(thread, index, std::move(conn));
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
