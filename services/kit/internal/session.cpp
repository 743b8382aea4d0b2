// One client connection: read a request (bounded, with timeouts), run its handler inline, on the
// worker pool or asynchronously, write the response, repeat while keep-alive allows.
//
// Timeouts use one timer per connection driven by a watchdog coroutine and a deadline variable:
// moving the deadline later is a plain assignment (no timer syscall per request); only moving it
// earlier re-arms the timer. Beast's tcp_stream is not used because it closes the socket on
// expiry, and a started request that times out must still get its 408.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/logging.h"
#include "services/kit/internal/io_thread.h"
#include "services/kit/internal/request_parser.h"
#include "services/kit/io_context.h"
#include "services/kit/trace_context.h"
#include "services/kit/worker_pool.h"

namespace aaiti::kit::internal {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t k_read_chunk = 16 * 1024;
// A buffered body up to this size is copied after the head and written with it as one buffer.
constexpr std::size_t k_coalesce_limit = 16 * 1024;
constexpr std::size_t k_linger_max_bytes = 4 * 1024 * 1024;
constexpr auto k_no_deadline = std::chrono::hours(24 * 365);
constexpr std::string_view k_continue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::string_view k_unmatched_route = "unmatched";

auto redirect(beast::error_code& ec) { return asio::redirect_error(use_io_task, ec); }

std::string endpoint_text(const IoSocket& socket) {
    beast::error_code ec;
    auto ep = socket.remote_endpoint(ec);
    if (ec) return "unknown";
    auto addr = ep.address();
    return (addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string()) + ":" + std::to_string(ep.port());
}

// Runs a synchronous handler; an exception becomes a logged 500 and never leaves the kit.
Response call_handler(const ServerOptions& options, const Endpoint& endpoint, const Request& req) {
    try {
        return endpoint.handler(req);
    } catch (const std::exception& e) {
        logging::error("handler threw", {{"request_id", req.request_id}, {"trace_id", req.trace_id}, {"route", req.route},
                                         {"error", e.what()}});
    } catch (...) {
        logging::error("handler threw", {{"request_id", req.request_id}, {"route", req.route}, {"error", "unknown exception"}});
    }
    return kit_error(options, 500, "internal", "the request failed; the server log has details under this request_id",
                     req.request_id);
}

// Completes a request handled off the I/O thread: the response is posted back to the connection's
// executor, so the connection always resumes on its own thread. First completion wins; a state
// dropped without completion answers 500.
template <class CompletionHandler>
class PostingResponder final : public detail::ResponderState {
public:
    PostingResponder(CompletionHandler handler, const ServerOptions& options, std::string request_id)
        : executor_(asio::get_associated_executor(handler)),
          handler_(std::move(handler)),
          options_(options),
          request_id_(std::move(request_id)) {}

    ~PostingResponder() override {
        if (!done_.exchange(true))
            deliver(kit_error(options_, 500, "internal", "the handler finished without a response", request_id_));
    }

    void complete(Response response) noexcept override {
        if (!done_.exchange(true)) deliver(std::move(response));
    }

private:
    void deliver(Response response) noexcept {
        try {
            asio::post(executor_, [h = std::move(handler_), r = std::move(response)]() mutable { std::move(h)(std::move(r)); });
        } catch (...) {
            // Out of memory while posting: the connection is dropped when the server stops.
        }
    }

    asio::associated_executor_t<CompletionHandler> executor_;
    CompletionHandler handler_;
    const ServerOptions& options_;
    std::string request_id_;
    std::atomic<bool> done_{false};
};

enum class Phase { idle, reading, handling, writing, lingering, closed };

}  // namespace

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(IoThread& thread, IoSocket socket)
        : thread_(thread),
          core_(thread.core),
          options_(thread.core.options),
          socket_(std::move(socket)),
          timer_(thread.ioc),
          body_read_done_(thread.ioc),
          // Bodies go into the parser's string, so the buffer only ever holds a header section and
          // a read chunk: bounded by header_limit plus one chunk.
          buffer_(options_.header_limit + 2 * k_read_chunk),
          remote_(endpoint_text(socket_)),
          peer_ip_(net::host_of_endpoint(remote_)) {
        registration_ = thread_.sessions.insert(thread_.sessions.end(), this);
        core_.open_connections.fetch_add(1, std::memory_order_relaxed);
        core_.http_metrics.connections_open.inc();
        core_.http_metrics.connections_accepted.inc();
    }

    ~Session() {
        thread_.sessions.erase(registration_);
        thread_.connections.fetch_sub(1, std::memory_order_relaxed);  // counted by admit() (server.cpp)
        core_.open_connections.fetch_sub(1, std::memory_order_relaxed);
        core_.http_metrics.connections_open.dec();
    }

    void start() {
        auto self = shared_from_this();
        asio::co_spawn(thread_.ioc, serve(self), asio::detached);
        asio::co_spawn(thread_.ioc, watchdog(self), asio::detached);
    }

    void drain(bool force) {
        beast::error_code ec;
        if (force) {
            socket_.close(ec);
        } else if (phase_ == Phase::idle) {
            socket_.cancel(ec);  // the pending read ends; the loop sees `draining` and closes
        }
    }

private:
    IoTask<void> serve(std::shared_ptr<Session>) {
        beast::error_code ec;
        bool first = true;
        for (;;) {
            if (buffer_.size() == 0) {
                // Between requests: wait for the first byte under the idle timeout (the read
                // timeout for a new connection, so silent connections do not hold a slot long).
                if (core_.draining.load(std::memory_order_relaxed)) break;
                phase_ = Phase::idle;
                set_deadline(first ? options_.read_timeout : options_.idle_timeout);
                std::size_t n = co_await socket_.async_read_some(buffer_.prepare(k_read_chunk), redirect(ec));
                if (ec) break;  // closed by the peer, idle timeout or shutdown: nothing to answer
                buffer_.commit(n);
            }
            first = false;
            if (!co_await serve_request()) break;
        }
        close();
    }

    // One request from its first byte to its last response byte. Returns whether to keep going.
    IoTask<bool> serve_request() {
        const auto started = Clock::now();
        InFlight in_flight(thread_.state.in_flight);
        phase_ = Phase::reading;
        timed_out_ = false;
        set_deadline(options_.read_timeout);
        ++generation_;
        body_streamed_ = false;
        body_failure_ = {};

        std::shared_ptr<Request> req = reusable_request();
        parser_.emplace(*req);
        parser_->header_limit(static_cast<std::uint32_t>(options_.header_limit));
        parser_->body_limit(options_.body_limit);
        parser_->eager(false);  // stop at the end of the header: the route decides how the body is read
        beast::error_code ec;
        co_await read_message(ec, true);
        if (ec) co_return co_await answer_read_error(ec, started);

        complete_request_head(*req);
        Router::Match match = core_.router.match(req->method, req->path);
        const Endpoint* endpoint = match.outcome == Router::Outcome::found ? match.endpoint
                                   : match.outcome == Router::Outcome::not_found && core_.fallback.async_handler ? &core_.fallback
                                                                                                                 : nullptr;
        const bool client_keep_alive = parser_->keep_alive();
        if (endpoint && endpoint->dispatch == Dispatch::async && endpoint->request_body == RequestBody::streamed && body_still_arriving()) {
            stream_request_body(*req);
        } else {
            parser_->eager(true);
            co_await read_message(ec, false);
            if (ec) co_return co_await answer_read_error(ec, started);
        }

        phase_ = Phase::handling;
        set_no_deadline();
        Response res{Response::Untyped{}};  // every outcome below assigns it
        std::uint32_t route_id = match.route_id;
        std::string_view route_label = match.route ? std::string_view(*match.route) : k_unmatched_route;
        switch (match.outcome) {
            case Router::Outcome::not_found:
                if (endpoint) {
                    req->route = core_.fallback_route;
                    route_id = ServerCore::k_fallback_route_id;
                    route_label = core_.fallback_route;
                    break;
                }
                res = kit_error(options_, 404, "not_found", "no route for " + req->method + " " + req->path, req->request_id);
                break;
            case Router::Outcome::method_not_allowed:
                res = kit_error(options_, 405, "method_not_allowed",
                                "method " + req->method + " is not allowed on " + *match.route, req->request_id);
                res.headers.add("Allow", std::move(match.allow));
                break;
            case Router::Outcome::found:
                req->route = *match.route;
                req->params = std::move(match.params);
                break;
        }
        if (endpoint) {  // a route's handler, or the fallback, answers
            if (endpoint->dispatch == Dispatch::inline_io)
                res = call_handler(options_, *endpoint, *req);
            else
                res = co_await hand_off(*endpoint, req);
        }

        // A streamed body not read to its end leaves its rest on the connection: close after the
        // answer (lingering, so the client reads it). One that failed gets the kit's own answer.
        bool body_complete = true;
        if (body_streamed_) {
            co_await body_read_finished();
            body_complete = parser_->is_done();
            if (body_failure_.status != 0)
                res = kit_error(options_, body_failure_.status, body_failure_.code, body_failure_.message, req->request_id);
        }
        // A streamed body of unknown length to HTTP/1.0 ends with the connection.
        const bool keep_alive = client_keep_alive && body_complete && !core_.draining.load(std::memory_order_relaxed) &&
                                framing_of(res, req->version == 10 ? 10 : 11) != Framing::until_close;
        const std::size_t sent = co_await write_response(res, *req, keep_alive, ec);
        req->body_stream.reset();
        record_exchange(thread_.state, core_,
                        {req->method, req->path, route_id, route_label, res.status, seconds_since(started), sent,
                         static_cast<bool>(ec), req->request_id, req->trace_id, remote_});
        if (ec) co_return false;
        if (!keep_alive) {
            co_await linger_close();
            co_return false;
        }
        co_return true;
    }

    // Feeds buffered bytes to the parser and reads more until a whole message is in. This is
    // Beast's read loop done inline: no composed operation, no extra trip through the scheduler
    // when the request is already in the buffer (the common keep-alive case).
    // With `header_only`, returns once the header is in (the parser must not be eager).
    IoTask<void> read_message(beast::error_code& ec, bool header_only) {
        bool header_seen = false;
        for (;;) {
            if (parser_->is_done()) co_return;  // a bodiless request is complete with its header
            if (buffer_.size() > 0) {
                const std::size_t used = parser_->put(buffer_.data(), ec);
                buffer_.consume(used);
                if (ec == http::error::need_more)
                    ec = {};
                else if (ec)
                    co_return;
                if (parser_->is_done()) co_return;
            }
            if (header_only && parser_->is_header_done()) co_return;
            if (!header_seen && parser_->is_header_done()) {
                header_seen = true;
                if (parser_->expects_continue()) {
                    co_await asio::async_write(socket_, asio::buffer(k_continue.data(), k_continue.size()), redirect(ec));
                    if (ec) co_return;
                }
            }
            if (buffer_.size() >= buffer_.max_size()) {
                ec = http::error::buffer_overflow;
                co_return;
            }
            const std::size_t room = std::min(k_read_chunk, buffer_.max_size() - buffer_.size());
            const std::size_t n = co_await socket_.async_read_some(buffer_.prepare(room), redirect(ec));
            if (ec == asio::error::eof) {
                ec = {};
                if (!parser_->got_some()) {
                    ec = http::error::end_of_stream;
                    co_return;
                }
                parser_->put_eof(ec);  // a request cut short: partial_message
                if (!ec && !parser_->is_done()) ec = http::error::partial_message;
                co_return;
            }
            if (ec) co_return;
            buffer_.commit(n);
        }
    }

    // The connection's Request, cleared for the next one, keeping its strings' storage; a new one
    // when a worker or an async handler still holds the previous.
    std::shared_ptr<Request> reusable_request() {
        if (!request_ || request_.use_count() != 1) {
            request_ = std::make_shared<Request>();
            request_->remote_address = remote_;
            return request_;
        }
        Request& r = *request_;
        r.method.clear();
        r.target.clear();
        r.path.clear();
        r.query.clear();
        r.headers.clear();
        r.body.clear();
        r.body_stream.reset();
        r.params.clear();
        r.route.clear();
        return request_;
    }

    // What the parser left to do once the head is in (the body is read, or streamed, after routing):
    // the path and query, and the request's id and trace context.
    void complete_request_head(Request& req) {
        // RFC 9112 3.2.2: a server must accept the absolute form ("GET http://host/path"); route on its path.
        std::size_t path_start = 0;
        if (req.target.rfind("http://", 0) == 0 || req.target.rfind("https://", 0) == 0) {
            path_start = req.target.find('/', req.target.find("://") + 3);
            if (path_start == std::string::npos) path_start = req.target.size();
        }
        auto q = req.target.find('?', path_start);
        req.path.assign(req.target, path_start, q == std::string::npos ? std::string::npos : q - path_start);
        if (req.path.empty()) req.path = "/";
        if (q != std::string::npos) req.query.assign(req.target, q + 1);
        apply_request_context(req, peer_ip_, options_.trusted_proxies);
    }

    // Whether the body is worth streaming: it exists and has not all arrived with the header (a
    // small body that has is read at once and forwarded with the head, in one write).
    bool body_still_arriving() const {
        if (parser_->chunked()) return true;
        const auto length = parser_->content_length();
        return length && *length > 0 && buffer_.size() < *length;
    }

    // The body goes to the handler as the client sends it: the parser hands it out piece by piece
    // (the header is parsed, the body not yet begun) and the request gets a source reading from it.
    void stream_request_body(Request& req) {
        continue_pending_ = parser_->expects_continue();
        const auto length = parser_->content_length();
        body_streamed_ = true;
        parser_->eager(true);
        req.body_stream = std::make_shared<StreamedRequestBody>(
            weak_from_this(), generation_, length ? std::optional<std::uint64_t>(*length) : std::nullopt);
    }

    // One piece of a streamed request body for its source (see StreamedRequestBody), under the read
    // timeout. Runs beside the suspended serve_request, which waits for it before touching the socket.
    IoTask<void> read_body_piece(std::shared_ptr<Session>, BodySource::Next next) {
        BodySource::Piece piece{{}, false, true};
        try {
            piece = co_await next_body_piece();
        } catch (const std::exception& e) {
            logging::warn("kit: reading a request body failed", {{"error", e.what()}});
        }
        body_reading_ = false;
        body_read_done_.cancel();
        next(piece);
    }

    IoTask<BodySource::Piece> next_body_piece() {
        constexpr BodySource::Piece k_failed{{}, false, true};
        if (parser_->is_done()) co_return BodySource::Piece{{}, true, false};
        beast::error_code ec;
        if (continue_pending_) {  // the handler wants the body: now the client may send it
            continue_pending_ = false;
            co_await asio::async_write(socket_, asio::buffer(k_continue.data(), k_continue.size()), redirect(ec));
            if (ec) co_return k_failed;
        }
        phase_ = Phase::reading;
        timed_out_ = false;
        set_deadline(options_.read_timeout);
        body_piece_.resize(k_read_chunk);
        parser_->stream_into(body_piece_.data(), body_piece_.size());
        for (;;) {
            if (buffer_.size() > 0) {
                const std::size_t used = parser_->put(buffer_.data(), ec);
                buffer_.consume(used);
                if (ec == http::error::need_buffer || ec == http::error::need_more) ec = {};
                if (ec || parser_->is_done() || parser_->streamed() > 0) break;
            }
            const std::size_t n = co_await socket_.async_read_some(buffer_.prepare(k_read_chunk), redirect(ec));
            if (ec == asio::error::eof) ec = http::error::partial_message;
            if (ec) break;
            buffer_.commit(n);
        }
        phase_ = Phase::handling;
        set_no_deadline();
        if (ec) {
            note_body_failure(ec);
            co_return k_failed;
        }
        co_return BodySource::Piece{std::string_view(body_piece_.data(), parser_->streamed()), parser_->is_done(), false};
    }

    // What the client must be told about a streamed body that broke off; nothing when it went away.
    void note_body_failure(const beast::error_code& ec) {
        const auto& http_category = http::make_error_code(http::error::bad_method).category();
        if (timed_out_) {
            body_failure_ = {408, "request_timeout",
                             "the request was not complete within " + std::to_string(options_.read_timeout.count()) + " ms"};
        } else if (ec == http::error::body_limit) {
            body_failure_ = {413, "payload_too_large", "the request body exceeds " + std::to_string(options_.body_limit) + " bytes"};
        } else if (ec.category() == http_category && ec != http::error::partial_message) {
            body_failure_ = {400, "bad_request", "malformed request body: " + ec.message()};
        }
    }

    // serve_request and a body read share the socket and the buffer: the answer waits for the read.
    IoTask<void> body_read_finished() {
        while (body_reading_) {
            body_read_done_.expires_at(Clock::time_point::max());
            beast::error_code ec;
            co_await body_read_done_.async_wait(redirect(ec));
        }
    }

    // Request::body_stream of a streamed request. Holds the connection weakly; a source kept past
    // its request (a new generation) reads nothing.
    class StreamedRequestBody final : public BodySource {
    public:
        StreamedRequestBody(std::weak_ptr<Session> session, std::uint64_t generation, std::optional<std::uint64_t> length)
            : session_(std::move(session)), generation_(generation), length_(length) {}

        void read(Next next) override {
            auto session = session_.lock();
            if (!session || session->generation_ != generation_ || session->body_reading_ || session->phase_ == Phase::closed) {
                next({{}, false, true});
                return;
            }
            session->body_reading_ = true;
            asio::co_spawn(session->thread_.ioc, session->read_body_piece(session, std::move(next)), asio::detached);
        }
        std::optional<std::uint64_t> length() const override { return length_; }

    private:
        std::weak_ptr<Session> session_;
        std::uint64_t generation_;
        std::optional<std::uint64_t> length_;
    };

    // A handler that does not run inline: on the worker pool, or asynchronously. Not a coroutine (no
    // frame of its own per request): it hands serve_request the operation to await. serve_request
    // chooses between it and call_handler with if/else: `inline ? call_handler(..) : co_await
    // hand_off(..)` compiled by GCC 12 never resumed (the worker-pool 503 test hung).
    IoTask<Response> hand_off(const Endpoint& endpoint, std::shared_ptr<Request> req) {
        if (endpoint.dispatch == Dispatch::worker_pool) return run_on_pool(endpoint, std::move(req));
        return run_async(endpoint, std::move(req));
    }

    IoTask<Response> run_on_pool(const Endpoint& endpoint, std::shared_ptr<const Request> req) {
        return asio::async_initiate<const asio::use_awaitable_t<IoExecutor>&, void(Response)>(
            [this, &endpoint, req](auto handler) {
                auto state = std::make_shared<PostingResponder<decltype(handler)>>(std::move(handler), options_, req->request_id);
                Responder responder(std::move(state));
                const ServerOptions* options = &options_;
                WorkerPoolSlot* slot = endpoint.pool;
                WorkerPool::Task task = [options, slot, &endpoint, req, responder] {
                    slot->queued->dec();
                    responder(call_handler(*options, endpoint, *req));
                };
                slot->queued->inc();
                if (!slot->pool || !slot->pool->try_submit(task)) {
                    slot->queued->dec();
                    slot->rejected->inc();
                    responder(kit_error(options_, 503, "overloaded", "the server is busy; retry later", req->request_id));
                }
            },
            use_io_task);
    }

    IoTask<Response> run_async(const Endpoint& endpoint, std::shared_ptr<const Request> req) {
        return asio::async_initiate<const asio::use_awaitable_t<IoExecutor>&, void(Response)>(
            [this, &endpoint, req](auto handler) {
                auto state = std::make_shared<PostingResponder<decltype(handler)>>(std::move(handler), options_, req->request_id);
                Responder responder(std::move(state));
                try {
                    endpoint.async_handler(*req, responder);
                } catch (const std::exception& e) {
                    logging::error("handler threw", {{"request_id", req->request_id}, {"route", req->route}, {"error", e.what()}});
                    responder(kit_error(options_, 500, "internal", "the request failed; the server log has details under this request_id",
                                        req->request_id));
                } catch (...) {
                    responder(kit_error(options_, 500, "internal", "the request failed", req->request_id));
                }
            },
            use_io_task);
    }

    // Writes status line, headers and (unless HEAD) body, in one gathered write for a buffered body;
    // returns body bytes sent.
    IoTask<std::size_t> write_response(const Response& res, const Request& req, bool keep_alive, beast::error_code& ec) {
        ResponseContext ctx;
        ctx.version = req.version == 10 ? 10 : 11;
        ctx.keep_alive = keep_alive;
        ctx.head_request = req.method == "HEAD";
        ctx.request_id = req.request_id;
        ctx.trace_id = req.trace_id;
        ctx.span_id = req.span_id;
        ctx.trace_flags = req.trace_flags;
        ctx.date = thread_.state.date.now();
        const bool send_body = serialize_head(res, ctx, head_);
        phase_ = Phase::writing;
        timed_out_ = false;
        set_deadline(options_.write_timeout);
        if (res.stream) {
            co_await asio::async_write(socket_, asio::buffer(head_), redirect(ec));
            if (ec || !send_body) co_return 0;
            co_return co_await write_streamed_body(*res.stream, framing_of(res, ctx.version), ec);
        }
        if (!send_body || res.body.size() <= k_coalesce_limit) {
            // One buffer: Asio sends it with send(2); two go through sendmsg(2) and its iovec copy.
            if (send_body) head_.append(res.body);
            co_await asio::async_write(socket_, asio::buffer(head_), redirect(ec));
        } else {
            std::array<asio::const_buffer, 2> buffers{asio::buffer(head_), asio::buffer(res.body)};
            co_await asio::async_write(socket_, buffers, redirect(ec));
        }
        co_return ec || !send_body ? 0 : res.body.size();
    }

    // Pulls the body from its source and writes each piece as it comes (chunked when its length is
    // unknown). Waiting for the source is not timed here (the source has its own timeouts); each
    // write is. A source that fails, or delivers more or less than its announced length, ends the
    // connection mid-message: the client must not take a truncated body for a whole one.
    IoTask<std::size_t> write_streamed_body(BodySource& source, Framing framing, beast::error_code& ec) {
        const std::optional<std::uint64_t> expected = source.length();
        const bool chunked = framing == Framing::chunked;
        std::uint64_t sent = 0;
        for (;;) {
            phase_ = Phase::handling;
            set_no_deadline();
            const BodySource::Piece piece = co_await read_piece(source);
            if (piece.failed || (expected && sent + piece.data.size() > *expected)) {
                ec = asio::error::connection_aborted;
                co_return sent;
            }
            if (!piece.data.empty()) {
                phase_ = Phase::writing;
                timed_out_ = false;
                set_deadline(options_.write_timeout);
                co_await write_body_piece(socket_, piece.data, chunked, ec);
                if (ec) co_return sent;
                sent += piece.data.size();
            }
            if (piece.end) break;
        }
        if (expected && sent != *expected) {
            ec = asio::error::connection_aborted;
            co_return sent;
        }
        if (chunked) {
            phase_ = Phase::writing;
            set_deadline(options_.write_timeout);
            co_await write_body_piece(socket_, {}, true, ec);
        }
        co_return sent;
    }

    // A request that could not be read: answer what can be answered (408/413/431/400), then close.
    // A truncated request or a reset connection is closed without an answer.
    IoTask<bool> answer_read_error(beast::error_code ec, Clock::time_point started) {
        const auto& http_category = http::make_error_code(http::error::bad_method).category();
        int status = 0;
        std::string_view code;
        std::string message;
        if (timed_out_) {
            status = 408, code = "request_timeout";
            message = "the request was not complete within " + std::to_string(options_.read_timeout.count()) + " ms";
        } else if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
            status = 431, code = "headers_too_large";
            message = "the request header section exceeds " + std::to_string(options_.header_limit) + " bytes";
        } else if (ec == http::error::body_limit) {
            status = 413, code = "payload_too_large";
            message = "the request body exceeds " + std::to_string(options_.body_limit) + " bytes";
        } else if (ec.category() == http_category && ec != http::error::end_of_stream && ec != http::error::partial_message) {
            status = 400, code = "bad_request";
            message = "malformed HTTP request: " + ec.message();
        } else {
            co_return false;  // truncated (peer closed mid-request), reset, or shut down
        }

        // What the parser saw of the header, for the log and the request id.
        Request req;
        req.version = 11;
        req.remote_address = remote_;
        req.client_address = peer_ip_;
        if (parser_->is_header_done()) {
            const Request& parsed = parser_->request();
            req.method = parsed.method;
            req.target = parsed.target;
            req.path = req.target.substr(0, req.target.find('?'));
            std::string_view id = parsed.header("X-Request-Id");
            if (is_valid_request_id(id)) req.request_id = id;
        }
        if (req.request_id.empty()) req.request_id = generate_request_id();

        Response res = kit_error(options_, status, code, message, req.request_id);
        beast::error_code write_ec;
        const std::size_t sent = co_await write_response(res, req, false, write_ec);
        record_exchange(thread_.state, core_,
                        {req.method.empty() ? std::string_view("OTHER") : std::string_view(req.method), req.path, Router::k_unmatched,
                         k_unmatched_route, status, seconds_since(started), sent, static_cast<bool>(write_ec), req.request_id,
                         req.trace_id, remote_});
        if (!write_ec) co_await linger_close();
        co_return false;
    }

    // Half-close, then read and discard what the client still sends (bounded in time and bytes) so
    // it reads our last response instead of a reset caused by unread data.
    IoTask<void> linger_close() {
        beast::error_code ec;
        socket_.shutdown(IoSocket::shutdown_send, ec);
        if (ec || options_.linger_timeout.count() == 0) co_return;
        phase_ = Phase::lingering;
        set_deadline(options_.linger_timeout);
        buffer_.clear();
        std::size_t total = 0;
        while (total < k_linger_max_bytes) {
            std::size_t n = co_await socket_.async_read_some(buffer_.prepare(k_read_chunk), redirect(ec));
            if (ec) break;
            total += n;
        }
    }

    IoTask<void> watchdog(std::shared_ptr<Session>) {
        beast::error_code ec;
        while (phase_ != Phase::closed) {
            timer_expiry_ = deadline_;
            timer_.expires_at(deadline_);
            co_await timer_.async_wait(redirect(ec));
            if (phase_ == Phase::closed) break;
            if (!ec && Clock::now() >= deadline_) on_timeout();
        }
    }

    void on_timeout() {
        deadline_ = Clock::now() + k_no_deadline;
        if (phase_ == Phase::handling) return;  // handlers are not timed out by the connection
        timed_out_ = true;
        beast::error_code ec;
        socket_.cancel(ec);
    }

    void set_deadline(std::chrono::milliseconds after) {
        deadline_ = Clock::now() + after;
        if (deadline_ < timer_expiry_) {
            timer_expiry_ = deadline_;
            timer_.expires_at(deadline_);  // wakes the watchdog, which re-arms for the new deadline
        }
    }
    void set_no_deadline() { deadline_ = Clock::now() + k_no_deadline; }

    void close() {
        phase_ = Phase::closed;
        beast::error_code ec;
        socket_.shutdown(IoSocket::shutdown_both, ec);
        socket_.close(ec);
        timer_.cancel();
    }

    static double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

    struct InFlight {
        explicit InFlight(std::atomic<std::int64_t>& c) : count(c) { count.fetch_add(1, std::memory_order_relaxed); }
        ~InFlight() { count.fetch_sub(1, std::memory_order_relaxed); }
        std::atomic<std::int64_t>& count;
    };

    IoThread& thread_;
    ServerCore& core_;
    const ServerOptions& options_;
    IoSocket socket_;
    IoTimer timer_;
    IoTimer body_read_done_;  // wakes serve_request waiting for a streamed body's piece read
    beast::flat_buffer buffer_;
    std::optional<RequestParser> parser_;  // fills request_ as it parses
    // A streamed request body (RequestBody::streamed): whether this request's is, the piece handed
    // out last, and the state shared by serve_request and the piece reads.
    bool body_streamed_ = false;
    std::vector<char> body_piece_;
    bool body_reading_ = false;
    bool continue_pending_ = false;  // Expect: 100-continue, answered at the handler's first read
    struct BodyFailure {
        int status = 0;  // 0: nothing to tell the client
        std::string code, message;
    } body_failure_;
    std::uint64_t generation_ = 0;  // counts requests: a stale body source is refused
    std::string head_;  // response head, reused across requests
    std::string remote_;
    std::string peer_ip_;  // remote_ without the port
    std::shared_ptr<Request> request_;  // reused across keep-alive requests (see reusable_request)
    std::list<Session*>::iterator registration_;

    Phase phase_ = Phase::idle;
    bool timed_out_ = false;
    Clock::time_point deadline_ = Clock::now() + k_no_deadline;
    Clock::time_point timer_expiry_ = deadline_;
};

void start_session(IoThread& thread, IoSocket socket) { std::make_shared<Session>(thread, std::move(socket))->start(); }

void drain_sessions(IoThread& thread, bool force) {
    // drain() may end a connection synchronously only through posted completions, so iterating is
    // safe: no session unregisters itself during this loop.
    for (Session* s : thread.sessions) s->drain(force);
}

namespace {

IoTask<void> answer_overloaded(IoThread& thread, std::shared_ptr<IoSocket> socket) {
    const auto& options = thread.core.options;
    std::string request_id = generate_request_id();
    Response res = kit_error(options, 503, "overloaded", "too many connections; retry later", request_id);
    ResponseContext ctx;
    ctx.keep_alive = false;
    ctx.request_id = request_id;
    ctx.date = thread.state.date.now();
    std::string head;
    serialize_head(res, ctx, head);

    // One timer bounds the whole exchange; it holds the socket so a late expiry never dangles.
    IoTimer timer(thread.ioc);
    timer.expires_after(std::max(options.linger_timeout, std::chrono::milliseconds(100)));
    timer.async_wait([socket](beast::error_code ec) {
        if (!ec) socket->cancel(ec);
    });
    beast::error_code ec;
    std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(res.body)};
    co_await asio::async_write(*socket, buffers, redirect(ec));
    if (!ec) {
        socket->shutdown(IoSocket::shutdown_send, ec);
        std::array<char, 4096> discard;
        std::size_t total = 0;
        while (!ec && total < k_linger_max_bytes) total += co_await socket->async_read_some(asio::buffer(discard), redirect(ec));
    }
    timer.cancel();
    socket->close(ec);
}

}  // namespace

void reject_connection(IoThread& thread, IoSocket socket) {
    thread.core.http_metrics.connections_rejected.inc();
    asio::co_spawn(thread.ioc, answer_overloaded(thread, std::make_shared<IoSocket>(std::move(socket))), asio::detached);
}

}  // namespace aaiti::kit::internal

namespace aaiti::kit {

IoTask<BodySource::Piece> read_piece(BodySource& source) {
    namespace asio = internal::asio;
    return asio::async_initiate<const asio::use_awaitable_t<IoExecutor>&, void(BodySource::Piece)>(
        [&source](auto handler) {
            auto executor = asio::get_associated_executor(handler);
            // std::function needs a copyable target; the handler is move-only.
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            source.read([executor, shared](BodySource::Piece piece) {
                asio::post(executor, [shared, piece]() mutable { std::move(*shared)(piece); });
            });
        },
        use_io_task);
}

}  // namespace aaiti::kit
