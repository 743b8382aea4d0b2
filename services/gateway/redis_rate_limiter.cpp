// The Redis-backed rate limiter: one non-blocking hiredis connection per kit I/O thread, driven by
// that thread's io_context through a small adapter on the connection's fd (hiredis 0.14 ships no
// Asio adapter), pipelined (hiredis queues commands; replies come back in order). One EVALSHA per
// request does both sliding windows (IP, user) and the revocation EXISTS.
//
// Redis unreachable (refused, reset, no reply within k_reply_timeout) -> the request is decided by
// the in-process LocalRateLimiter, a metric and a log line say so, and the connection is retried
// with exponential back-off.
//
// With Sentinel (redis-sentinel:// URLs) every (re)connect first asks the sentinels for the master
// (redis::resolve_master: blocking, so it runs on the limiter's MasterFinder thread, never on an I/O
// thread; the link decides locally meanwhile, as while Redis is down). A READONLY reply (the node was
// demoted) drops the connection like a lost one, so the next connect looks the master up again.
#include <openssl/evp.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "common/error.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/redis.h"
#include "common/revocation.h"
#include "services/gateway/rate_limiter.h"
#include "services/kit/io_context.h"

namespace aaiti::gateway {

namespace asio = kit::internal::asio;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr auto k_connect_timeout = std::chrono::milliseconds(1000);
constexpr auto k_reply_timeout = std::chrono::milliseconds(500);
constexpr auto k_backoff_min = std::chrono::milliseconds(100);
constexpr auto k_backoff_max = std::chrono::milliseconds(5000);

// KEYS: ip counter base, user counter base ('' = none), revocation key ('' = none).
// ARGV: window ms, max. Returns {allowed, remaining, reset_seconds, revoked}.
// Sliding window counter: the previous fixed window's count weighted by its remaining overlap plus
// the current one. Redis's clock (TIME) so every gateway instance agrees on the windows. Counter keys
// are built in the script (fine on a single Redis; not cluster-safe).
constexpr const char* k_script = R"lua(
local window = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local idx = math.floor(now / window)
local elapsed = (now % window) / window
local revoked = 0
if KEYS[3] ~= '' and redis.call('EXISTS', KEYS[3]) == 1 then revoked = 1 end
local allowed = 1
local remaining = max
for i = 1, 2 do
  if KEYS[i] ~= '' then
    local cur = tonumber(redis.call('GET', KEYS[i] .. ':' .. idx) or '0')
    local prev = tonumber(redis.call('GET', KEYS[i] .. ':' .. (idx - 1)) or '0')
    local used = prev * (1 - elapsed) + cur
    if used + 1 > max then
      allowed = 0
      remaining = 0
    else
      local r = math.floor(max - (used + 1))
      if r < remaining then remaining = r end
    end
  end
end
if allowed == 1 and revoked == 0 then
  for i = 1, 2 do
    if KEYS[i] ~= '' then
      local k = KEYS[i] .. ':' .. idx
      if redis.call('INCR', k) == 1 then redis.call('PEXPIRE', k, window * 2) end
    end
  end
end
return {allowed, remaining, math.ceil((window - now % window) / 1000), revoked}
)lua";

std::string sha1_hex(std::string_view text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(text.data(), text.size(), digest, &n, EVP_sha1(), nullptr) != 1) throw ConfigError("SHA-1 unavailable");
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < n; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

// Sentinel look-ups for the links of one limiter, on one background thread: a link asks (from its I/O
// thread; only a mutex held for a push), the thread runs redis::resolve_master for everyone waiting
// at once (a fresh look-up: links that ask while one runs get the next) and posts each link its answer
// on the link's own io_context.
class MasterFinder {
public:
    using Answer = std::function<void(std::optional<redis::Address> master, std::string error)>;

    explicit MasterFinder(const redis::Address& address) : address_(address) {
        if (address_.uses_sentinel()) thread_ = std::thread([this] { run(); });
    }
    ~MasterFinder() { stop(); }
    MasterFinder(const MasterFinder&) = delete;
    MasterFinder& operator=(const MasterFinder&) = delete;

    // Joins the thread (a look-up under way finishes first); unanswered links are never answered.
    void stop() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_one();
        if (thread_.joinable()) thread_.join();
    }

    void find(asio::io_context& ioc, Answer answer) {
        {
            std::lock_guard lock(mutex_);
            waiting_.push_back({&ioc, std::move(answer)});
        }
        wake_.notify_one();
    }

private:
    struct Waiter {
        asio::io_context* ioc;
        Answer answer;
    };

    void run() {
        std::unique_lock lock(mutex_);
        while (true) {
            wake_.wait(lock, [&] { return stopping_ || !waiting_.empty(); });
            if (stopping_) return;
            std::vector<Waiter> batch;
            batch.swap(waiting_);
            lock.unlock();
            std::optional<redis::Address> master;
            std::string error;
            try {
                master = redis::resolve_master(address_);
            } catch (const std::exception& e) {
                error = e.what();
            }
            for (auto& w : batch)
                asio::post(*w.ioc, [answer = std::move(w.answer), master, error]() mutable { answer(std::move(master), std::move(error)); });
            lock.lock();
        }
    }

    const redis::Address address_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<Waiter> waiting_;
    bool stopping_ = false;
    std::thread thread_;
};

struct Shared {
    redis::Address address;
    std::int64_t window_ms;
    std::int64_t max;
    std::string sha;
    LocalRateLimiter local;
    metrics::Gauge& connected;
    metrics::Counter& local_decisions;
    // Sentinel only: the master looked up when the limiter was made (on the gateway's constructing
    // thread, not an I/O thread), each link's first connect goes there without waiting for a look-up.
    std::optional<redis::Address> first_master;
    MasterFinder finder;
    Shared(redis::Address a, std::chrono::milliseconds window, std::int64_t m, metrics::Registry& reg)
        : address(std::move(a)),
          window_ms(window.count()),
          max(m),
          sha(sha1_hex(k_script)),
          local(window, m),
          connected(reg.gauge("gateway_rate_limiter_redis_connections", "I/O threads with a live Redis connection.").get()),
          local_decisions(reg.counter("gateway_rate_limiter_local_decisions_total",
                                      "Requests decided by the in-process limiter because Redis was unreachable.")
                              .get()),
          finder(address) {
        if (!address.uses_sentinel()) return;
        try {
            first_master = redis::resolve_master(address);
            logging::info("gateway: Redis master found through Sentinel", {{"redis", redis::describe(*first_master)}});
        } catch (const std::exception& e) {
            logging::warn("gateway: no Redis master found through Sentinel yet; the in-process rate limiter decides until one is",
                          {{"error", e.what()}});
        }
    }
};

class Link;

// One request's check in flight; owned by hiredis (privdata) until its reply callback.
struct Pending {
    Link* link;
    std::string ip_key, user_key, revocation_key;
    std::function<void(RateDecision)> done;
    bool retried_with_eval = false;
};

class Link : public std::enable_shared_from_this<Link> {
public:
    Link(Shared& shared, asio::io_context& ioc)
        : shared_(shared),
          ioc_(ioc),
          target_(shared.address),
          retry_timer_(ioc),
          watch_timer_(ioc),
          next_master_(shared.first_master) {}

    ~Link() { shut(); }

    void shut() {
        closing_ = true;
        retry_timer_.cancel();
        watch_timer_.cancel();
        if (ac_) redisAsyncFree(ac_);  // pending callbacks get a null reply; cleanup() releases the fd
        ac_ = nullptr;
    }

    void check(const RateQuery& q, std::function<void(RateDecision)> done) {
        auto p = std::make_unique<Pending>();
        p->link = this;
        p->ip_key = "aaiti:rl:ip:" + std::string(q.client_ip);
        if (!q.user_id.empty()) p->user_key = "aaiti:rl:user:" + std::string(q.user_id);
        if (!q.session_id.empty()) p->revocation_key = revocation::session_key(q.session_id);
        p->done = std::move(done);
        if (!ac_ && !closing_ && !retry_scheduled_ && !finding_master_) connect();
        // While connecting, hiredis queues the command and writes it once connected; a failed
        // connect answers it with a null reply (decided locally).
        if (!ac_) {
            decide_locally(*p);
            return;
        }
        send(std::move(p), false);
    }

private:
    void send(std::unique_ptr<Pending> p, bool with_eval) {
        // The command in RESP, written here: hiredis's own formatting (sdscatfmt per argument) cost
        // more than the rest of the request's Redis handling (callgrind).
        const std::string window = std::to_string(shared_.window_ms), max = std::to_string(shared_.max);
        const std::string_view args[] = {with_eval ? "EVAL" : "EVALSHA",
                                         with_eval ? std::string_view(k_script) : std::string_view(shared_.sha),
                                         "3", p->ip_key, p->user_key, p->revocation_key, window, max};
        command_.assign("*").append(std::to_string(std::size(args))).append("\r\n");
        for (const std::string_view arg : args) {
            command_ += '$';
            command_ += std::to_string(arg.size());
            command_ += "\r\n";
            command_ += arg;
            command_ += "\r\n";
        }
        p->retried_with_eval = with_eval;
        Pending* raw = p.release();
        if (redisAsyncFormattedCommand(ac_, &Link::on_reply, raw, command_.data(), command_.size()) != REDIS_OK) {
            std::unique_ptr<Pending> back(raw);
            decide_locally(*back);
            return;
        }
        if (pending_++ == 0) last_progress_ = SteadyClock::now();
        arm_watch();
    }

    void decide_locally(Pending& p) {
        shared_.local_decisions.inc();
        RateDecision d = shared_.local.check(p.ip_key, p.user_key, std::chrono::system_clock::now());
        p.done(d);
    }

    static void on_reply(redisAsyncContext*, void* r, void* privdata) {
        std::unique_ptr<Pending> p(static_cast<Pending*>(privdata));
        Link& self = *p->link;
        if (self.pending_ > 0) --self.pending_;
        self.last_progress_ = SteadyClock::now();
        auto* reply = static_cast<redisReply*>(r);
        if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 4) {
            RateDecision d;
            d.limit = self.shared_.max;
            d.allowed = reply->element[0]->integer == 1;
            d.remaining = reply->element[1]->integer;
            d.reset_seconds = reply->element[2]->integer;
            d.revoked = reply->element[3]->integer == 1;
            p->done(d);
            return;
        }
        // The script cache was flushed (Redis restarted under the same connection, SCRIPT FLUSH):
        // this once, send the script itself, which also caches it again.
        if (reply && reply->type == REDIS_REPLY_ERROR && std::string_view(reply->str, reply->len).substr(0, 8) == "NOSCRIPT" &&
            !p->retried_with_eval && self.ac_ && self.connected_) {
            self.send(std::move(p), true);
            return;
        }
        // A demoted master (now a replica) refuses the script's writes: drop this connection as if it
        // were lost, so the next connect asks the sentinels for the current master.
        if (reply && reply->type == REDIS_REPLY_ERROR && redis::is_readonly_error(std::string_view(reply->str, reply->len)) &&
            self.ac_ && self.shared_.address.uses_sentinel()) {
            redisAsyncContext* c = self.ac_;
            self.went_down("READONLY: the master was demoted");
            redisAsyncFree(c);  // in a callback: hiredis frees it once this returns (the rest get null replies)
            self.decide_locally(*p);
            return;
        }
        if (reply && reply->type == REDIS_REPLY_ERROR)
            logging::warn("gateway: rate-limit script failed; deciding locally", {{"error", std::string(reply->str, reply->len)}});
        self.decide_locally(*p);
    }

    // Sentinel: the master comes from the finder thread; until it answers, requests are decided locally
    // (ac_ stays null) and no other connect starts.
    void find_master() {
        finding_master_ = true;
        shared_.finder.find(ioc_, [w = weak_from_this()](std::optional<redis::Address> master, std::string error) {
            auto self = w.lock();
            if (!self) return;
            self->finding_master_ = false;
            if (self->closing_ || self->ac_) return;
            if (!master) {
                self->went_down(error);
                return;
            }
            self->next_master_ = std::move(master);
            self->connect();
        });
    }

    void connect() {
        if (shared_.address.uses_sentinel()) {
            if (!next_master_) {
                find_master();
                return;
            }
            target_ = std::move(*next_master_);
            next_master_.reset();  // a reconnect looks the master up again
        } else {
            target_ = shared_.address;
        }
        const auto& a = target_;
        ac_ = a.unix_socket.empty() ? redisAsyncConnect(a.host.c_str(), a.port) : redisAsyncConnectUnix(a.unix_socket.c_str());
        if (!ac_ || ac_->err) {
            if (ac_) redisAsyncFree(ac_);
            ac_ = nullptr;
            went_down("cannot start a connection");
            return;
        }
        ac_->data = this;
        fd_.emplace(ioc_, ac_->c.fd);
        ac_->ev.data = this;
        ac_->ev.addRead = [](void* d) { static_cast<Link*>(d)->watch(true, true); };
        ac_->ev.delRead = [](void* d) { static_cast<Link*>(d)->watch(true, false); };
        ac_->ev.addWrite = [](void* d) { static_cast<Link*>(d)->watch(false, true); };
        ac_->ev.delWrite = [](void* d) { static_cast<Link*>(d)->watch(false, false); };
        ac_->ev.cleanup = [](void* d) { static_cast<Link*>(d)->cleanup(); };
        redisAsyncSetConnectCallback(ac_, [](const redisAsyncContext* c, int status) {
            auto* self = static_cast<Link*>(c->data);
            if (status == REDIS_OK) {
                self->connected_ = true;
                self->retry_timer_.cancel();
                self->backoff_ = k_backoff_min;
                self->shared_.connected.inc();
                if (self->announced_down_) logging::info("gateway: Redis reachable again; shared rate limiting resumed");
                if (self->shared_.address.uses_sentinel())
                    logging::info("gateway: rate limiter connected to the Redis master", {{"redis", redis::describe(self->target_)}});
                self->announced_down_ = false;
            } else {
                self->went_down(c->errstr ? c->errstr : "connect failed");
            }
        });
        redisAsyncSetDisconnectCallback(ac_, [](const redisAsyncContext* c, int) {
            auto* self = static_cast<Link*>(c->data);
            self->went_down(c->err ? (c->errstr ? c->errstr : "disconnected") : "disconnected");
        });
        // Queued now, written once the connection is up, ahead of any EVALSHA.
        if (!a.password.empty()) {
            if (a.username.empty())
                redisAsyncCommand(ac_, nullptr, nullptr, "AUTH %b", a.password.data(), a.password.size());
            else
                redisAsyncCommand(ac_, nullptr, nullptr, "AUTH %b %b", a.username.data(), a.username.size(), a.password.data(),
                                  a.password.size());
        }
        if (a.database != 0) redisAsyncCommand(ac_, nullptr, nullptr, "SELECT %d", a.database);
        redisAsyncCommand(ac_, nullptr, nullptr, "SCRIPT LOAD %s", k_script);
        // hiredis 0.14 has no connect timeout for async contexts.
        retry_timer_.expires_after(k_connect_timeout);
        retry_timer_.async_wait([w = weak_from_this()](const boost::system::error_code& ec) {
            auto self = w.lock();
            if (ec || !self || self->connected_ || !self->ac_) return;
            redisAsyncContext* c = self->ac_;
            redisAsyncFree(c);  // cleanup() clears ac_
            self->went_down("connect timeout");
        });
    }

    // A link that was up (or trying) is down: count it, say so once, retry after the back-off.
    void went_down(const std::string& why) {
        if (connected_) shared_.connected.dec();
        connected_ = false;
        pending_ = 0;
        if (closing_ || retry_scheduled_) return;
        if (!announced_down_) {
            logging::warn("gateway: Redis unreachable; the in-process rate limiter takes over until it is back",
                          {{"redis", redis::describe(target_)}, {"error", why}});
            announced_down_ = true;
        }
        retry_scheduled_ = true;
        retry_timer_.expires_after(backoff_);
        backoff_ = std::min<std::chrono::milliseconds>(backoff_ * 2, k_backoff_max);
        retry_timer_.async_wait([w = weak_from_this()](const boost::system::error_code& ec) {
            auto self = w.lock();
            if (!self) return;
            self->retry_scheduled_ = false;
            if (!ec && !self->closing_ && !self->ac_) self->connect();
        });
    }

    // Replies overdue (Redis stopped answering without closing): drop the connection, so the
    // waiting requests are decided locally instead of hanging.
    void arm_watch() {
        if (watch_armed_) return;
        watch_armed_ = true;
        watch_timer_.expires_after(k_reply_timeout);
        watch_timer_.async_wait([w = weak_from_this()](const boost::system::error_code& ec) {
            auto self = w.lock();
            if (!self) return;
            self->watch_armed_ = false;
            if (ec || !self->ac_ || self->pending_ == 0) return;
            if (SteadyClock::now() - self->last_progress_ >= k_reply_timeout) {
                // Not redisAsyncDisconnect: it waits for the pending replies, which is the problem.
                // Freeing answers them with null (decided locally) and closes the fd.
                redisAsyncFree(self->ac_);
                self->went_down("no reply within " + std::to_string(k_reply_timeout.count()) + " ms");
                return;
            }
            self->arm_watch();
        });
    }

    void watch(bool read, bool on) {
        (read ? reading_ : writing_) = on;
        if (on) arm(read);
    }

    void arm(bool read) {
        bool& armed = read ? read_armed_ : write_armed_;
        if (armed || !fd_) return;
        armed = true;
        fd_->async_wait(read ? asio::posix::stream_descriptor::wait_read : asio::posix::stream_descriptor::wait_write,
                        [w = weak_from_this(), read](const boost::system::error_code& ec) {
                            auto self = w.lock();
                            if (!self) return;
                            (read ? self->read_armed_ : self->write_armed_) = false;
                            if (ec || !self->ac_ || !(read ? self->reading_ : self->writing_)) return;
                            if (read)
                                redisAsyncHandleRead(self->ac_);
                            else
                                redisAsyncHandleWrite(self->ac_);
                            if (self->ac_ && (read ? self->reading_ : self->writing_)) self->arm(read);
                        });
    }

    // hiredis frees the context: stop watching its fd (hiredis closes it, not us).
    void cleanup() {
        reading_ = writing_ = false;
        if (fd_) {
            boost::system::error_code ec;
            fd_->cancel(ec);
            fd_->release();
            fd_.reset();
        }
        ac_ = nullptr;
    }

    Shared& shared_;
    asio::io_context& ioc_;
    redisAsyncContext* ac_ = nullptr;
    redis::Address target_;  // what the current (or last) connection went to
    std::optional<asio::posix::stream_descriptor> fd_;
    asio::steady_timer retry_timer_;
    asio::steady_timer watch_timer_;
    std::optional<redis::Address> next_master_;  // sentinel: where the next connect goes (consumed by it)
    std::chrono::milliseconds backoff_ = k_backoff_min;
    SteadyClock::time_point last_progress_ = SteadyClock::now();
    std::size_t pending_ = 0;
    std::string command_;  // the last command sent, formatted (its storage reused)
    bool connected_ = false;
    bool reading_ = false, writing_ = false, read_armed_ = false, write_armed_ = false, watch_armed_ = false;
    bool retry_scheduled_ = false;
    bool finding_master_ = false;
    bool announced_down_ = false;
    bool closing_ = false;
};

class RedisRateLimiter final : public RateLimiter {
public:
    RedisRateLimiter(redis::Address address, std::chrono::milliseconds window, std::int64_t max, unsigned threads,
                     metrics::Registry& registry)
        : shared_(std::move(address), window, max, registry), links_(threads) {}

    ~RedisRateLimiter() override {
        // Runs after the server stopped (its I/O threads are joined): nothing else touches the links.
        // The finder first: it posts to the links' io_contexts, which outlive this limiter.
        shared_.finder.stop();
        for (auto& l : links_)
            if (l) l->shut();
    }

    void check(const RateQuery& query, std::function<void(RateDecision)> done) override {
        const int t = kit::current_io_thread_index();
        asio::io_context* ioc = kit::current_io_context();
        if (t < 0 || static_cast<std::size_t>(t) >= links_.size() || !ioc) {
            shared_.local_decisions.inc();
            done(shared_.local.check("aaiti:rl:ip:" + std::string(query.client_ip),
                                     query.user_id.empty() ? std::string() : "aaiti:rl:user:" + std::string(query.user_id),
                                     std::chrono::system_clock::now()));
            return;
        }
        auto& link = links_[static_cast<std::size_t>(t)];
        if (!link) link = std::make_shared<Link>(shared_, *ioc);
        link->check(query, std::move(done));
    }

private:
    Shared shared_;
    std::vector<std::shared_ptr<Link>> links_;  // one per I/O thread, created on its thread
};

// No Redis configured: this process alone.
class LocalOnlyRateLimiter final : public RateLimiter {
public:
    LocalOnlyRateLimiter(std::chrono::milliseconds window, std::int64_t max) : local_(window, max) {}
    void check(const RateQuery& q, std::function<void(RateDecision)> done) override {
        done(local_.check("aaiti:rl:ip:" + std::string(q.client_ip), q.user_id.empty() ? std::string() : "aaiti:rl:user:" + std::string(q.user_id),
                          std::chrono::system_clock::now()));
    }

private:
    LocalRateLimiter local_;
};

}  // namespace

std::unique_ptr<RateLimiter> make_rate_limiter(const std::string& redis_url, std::chrono::milliseconds window, std::int64_t max,
                                               unsigned io_threads, metrics::Registry& registry) {
    if (redis_url.empty()) return std::make_unique<LocalOnlyRateLimiter>(window, max);
    return std::make_unique<RedisRateLimiter>(redis::parse_url(redis_url), window, max, io_threads, registry);
}

}  // namespace aaiti::gateway
