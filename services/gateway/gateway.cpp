#include "services/gateway/gateway.h"

#include <optional>

#include "common/error.h"
#include "common/jwt.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "services/gateway/edge_auth.h"
#include "services/gateway/health_checker.h"
#include "services/gateway/path_normalizer.h"
#include "services/gateway/proxy_headers.h"
#include "services/gateway/rate_limiter.h"
#include "services/gateway/route_table.h"
#include "services/gateway/span_exporter.h"
#include "services/gateway/status_pages.h"
#include "services/gateway/upstream_client.h"
#include "services/kit/server.h"

namespace aaiti::gateway {

namespace {

bool header_safe(std::string_view v) noexcept { return v.find_first_of("\r\n") == std::string_view::npos; }

HealthPolicy policy_of(const GatewayOptions& o) {
    return {o.health_fall, o.health_rise, o.eject_after_errors, o.eject_base, o.eject_max};
}

std::vector<UpstreamAddress> addresses_of(const RouteTable& table) {
    std::vector<UpstreamAddress> out;
    for (const auto& u : table.upstreams()) out.push_back(u->address());
    return out;
}

// One proxied request from routing to its answer; lives on its connection's I/O thread.
struct ProxyCall {
    const kit::Request* req = nullptr;  // valid until `done` is called
    kit::Responder done;
    const Route* route = nullptr;
    std::string_view path;      // normalised: routed, checked and forwarded (req->path or path_storage)
    std::string path_storage;   // only when normalising changed the path
    std::string user_id, user_role;
    kit::Headers rate_headers;  // RateLimit-* for the answer
    Upstream* first_tried = nullptr;
    Upstream* last_tried = nullptr;
    int attempts = 0;
    std::int64_t started_unix_ns = 0;  // for the span
};

std::int64_t unix_ns_now() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

struct Gateway::Impl {
    explicit Impl(GatewayOptions o);
    ~Impl();

    GatewayOptions options;
    kit::Server server;
    RouteTable table;
    std::optional<jwt::KeySet> keys;
    struct alignas(64) ThreadState {
        std::vector<std::size_t> cursors;  // round-robin position per route
    };
    std::vector<ThreadState> threads;
    std::unique_ptr<UpstreamClient> client;
    std::unique_ptr<RateLimiter> limiter;
    std::unique_ptr<HealthChecker> health;
    std::unique_ptr<SpanExporter> spans;  // when JAEGER_ENDPOINT is set

    metrics::Counter* retries = nullptr;
    std::vector<metrics::Counter*> circuit_open;  // per route
    metrics::CounterFamily* auth_rejected = nullptr;
    metrics::Counter* rate_limited = nullptr;

    bool stopped = false;

    void register_metrics();
    void handle(const kit::Request& req, kit::Responder done);
    void after_rate_limit(std::shared_ptr<ProxyCall> call, const RateDecision& d);
    void forward(std::shared_ptr<ProxyCall> call);
    void finish(ProxyCall& call, kit::Response res);
    kit::Response error(const ProxyCall& call, int status, std::string_view code, std::string_view message);
    kit::Response forbidden_status_page(const kit::Request& r) const {
        return kit::error_response(403, "forbidden", r.path + " is served only to METRICS_ALLOW (" + options.server.metrics_allow.text() + ")",
                                   r.request_id);
    }
};

Gateway::Impl::Impl(GatewayOptions o)
    : options((validate(o), std::move(o))), server(options.server), table(options.routes, policy_of(options)) {
    if (options.auth_enabled) keys.emplace(jwt::KeySet::from_config(options.jwt_secret, options.jwt_previous_secrets));
    const unsigned n = server.options().threads;
    threads.resize(n);
    for (auto& t : threads) t.cursors.assign(table.routes().size(), 0);
    client = std::make_unique<UpstreamClient>(
        addresses_of(table), n,
        ClientLimits{options.connect_timeout, options.response_timeout, options.buffered_response_limit, options.idle_connections_per_upstream});
    if (options.rate_limit_enabled)
        limiter = make_rate_limiter(options.redis_url, options.rate_limit_window, options.rate_limit_max, n, server.metrics());
    std::vector<Upstream*> all;
    for (const auto& u : table.upstreams()) all.push_back(u.get());
    health = std::make_unique<HealthChecker>(all, options.health_path, options.health_interval, options.health_timeout);
    if (!options.jaeger_endpoint.empty()) {
        SpanExporterOptions so;
        so.endpoint = options.jaeger_endpoint;
        so.service_version = kit::effective_service_version(options.server);
        so.environment = options.server.environment;
        so.queue_capacity = options.trace_queue_capacity;
        so.flush_interval = options.trace_flush_interval;
        spans = std::make_unique<SpanExporter>(so, server.metrics());
    }
    register_metrics();

    // Bodies are forwarded as they arrive: the gateway never holds a whole upload.
    server.fallback_async(
        "proxy", [this](const kit::Request& r, kit::Responder d) { handle(r, std::move(d)); }, kit::RequestBody::streamed);
    // The upstreams' addresses and health are the operator's, as the counters on /metrics are.
    server.get("/services", [this](const kit::Request& r) {
        if (!options.server.metrics_allow.contains(r.client_address)) return forbidden_status_page(r);
        return kit::Response::json(200, services_json(table, options.balance));
    });
    server.get("/health/services", [this](const kit::Request& r) {
        if (!options.server.metrics_allow.contains(r.client_address)) return forbidden_status_page(r);
        auto page = health_services_json(table);
        return kit::Response::json(page.all_routes_served ? 200 : 503, std::move(page.body));
    });
}

Gateway::Impl::~Impl() {
    // Order matters: no more probes, then no more requests (in-flight ones finish), then the
    // objects bound to the I/O threads' contexts, before the Server (and its contexts) goes.
    health->stop();
    server.stop();
    limiter.reset();
    client.reset();
    spans.reset();  // flushes the last batch
}

void Gateway::Impl::register_metrics() {
    auto& reg = server.metrics();
    auto& responses = reg.counter("gateway_upstream_responses_total", "Upstream responses by status class.", {"upstream", "class"});
    auto& errors = reg.counter("gateway_upstream_errors_total", "Upstream exchanges that failed, by kind.", {"upstream", "kind"});
    auto& ejections = reg.counter("gateway_upstream_ejections_total", "Passive ejections of an upstream.", {"upstream"});
    auto& latency = reg.histogram("gateway_upstream_request_duration_seconds", "Upstream exchange time.", {"upstream"});
    auto& up = reg.gauge("gateway_upstream_up", "1 when the upstream receives requests (healthy, not ejected).", {"upstream"});
    auto& active = reg.gauge("gateway_upstream_active_requests", "Requests in flight to the upstream.", {"upstream"});
    for (const auto& u : table.upstreams()) {
        const std::string& url = u->address().url;
        static constexpr const char* classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
        for (int i = 0; i < 5; ++i) u->metrics.responses[i] = &responses.with({url, classes[i]});
        u->metrics.connect_errors = &errors.with({url, "connect"});
        u->metrics.timeouts = &errors.with({url, "timeout"});
        u->metrics.failures = &errors.with({url, "broken"});
        u->metrics.ejections = &ejections.with({url});
        u->metrics.latency = &latency.with({url});
        u->metrics.up = &up.with({url});
        u->metrics.up->set(1);
        u->metrics.active = &active.with({url});
    }
    retries = &reg.counter("gateway_retries_total", "Requests retried on another upstream after a connect error (nothing had been sent).").get();
    auto& circuit = reg.counter("gateway_circuit_open_total", "Requests answered 503 at once: no upstream of the route available.",
                                {"route"});
    for (const auto& r : table.routes()) circuit_open.push_back(&circuit.with({r.prefix}));
    auth_rejected = &reg.counter("gateway_auth_rejected_total", "Requests refused 401 at the edge, by reason.", {"reason"});
    rate_limited = &reg.counter("gateway_rate_limited_total", "Requests refused 429.").get();
}

kit::Response Gateway::Impl::error(const ProxyCall& call, int status, std::string_view code, std::string_view message) {
    kit::Response r = kit::error_response(status, code, message, call.req->request_id);
    if (status == 503) r.headers.add("Retry-After", std::to_string(options.server.retry_after_seconds));
    return r;
}

void Gateway::Impl::finish(ProxyCall& call, kit::Response res) {
    for (const auto& h : call.rate_headers) res.headers.set(h.name, h.value);
    if (spans) {
        const kit::Request& req = *call.req;
        Span span;
        span.trace_id = req.trace_id;
        span.span_id = req.span_id;
        span.parent_span_id = req.parent_span_id;
        span.name = req.method + " " + call.route->prefix;
        span.start_unix_ns = call.started_unix_ns;
        span.end_unix_ns = unix_ns_now();
        span.method = req.method;
        span.path = call.path;
        span.route = call.route->prefix;
        if (call.last_tried) span.upstream = call.last_tried->address().url;
        span.status = res.status;
        spans->submit(std::move(span));
    }
    call.done(std::move(res));
}

void Gateway::Impl::handle(const kit::Request& req, kit::Responder done) {
    auto call = std::make_shared<ProxyCall>();
    call->req = &req;
    call->done = std::move(done);
    if (spans) call->started_unix_ns = unix_ns_now();
    // Before anything else of the request is used: which of two credentials would count is up to
    // whoever reads them (we the first, an upstream maybe the last), so neither does.
    if (has_repeated_authorization(req.headers)) {
        call->done(error(*call, 400, "bad_request", "the request carries more than one Authorization header; send one"));
        return;
    }
    const NormalizedPath normalized = normalize_path(req.path, call->path_storage);
    if (normalized.problem != PathProblem::none) {
        call->done(error(*call, 400, "bad_request", describe(normalized.problem)));
        return;
    }
    call->path = normalized.path;
    call->route = table.match(call->path);
    if (!call->route) {
        call->done(error(*call, 404, "not_found", "no route for " + req.method + " " + std::string(call->path)));
        return;
    }
    std::string_view session;
    jwt::Claims claims;
    if (keys && !call->route->public_access && !is_public_request(req.method, call->path)) {
        AuthOutcome auth = authenticate(req, *keys, jwt::unix_now());
        if (!auth.ok) {
            auth_rejected->with({auth.code}).inc();
            kit::Response r = error(*call, 401, auth.code, auth.message);
            r.headers.add("WWW-Authenticate", "Bearer error=\"invalid_token\"");
            call->done(std::move(r));
            return;
        }
        if (header_safe(auth.claims.sub) && header_safe(auth.claims.role)) {
            call->user_id = auth.claims.sub;
            call->user_role = auth.claims.role;
        }
        claims = std::move(auth.claims);
    }
    if (!limiter || !call->route->rate_limited) {
        forward(std::move(call));
        return;
    }
    RateQuery q{req.client_address, call->user_id, claims.sid};
    limiter->check(q, [this, call](RateDecision d) { after_rate_limit(call, d); });
}

void Gateway::Impl::after_rate_limit(std::shared_ptr<ProxyCall> call, const RateDecision& d) {
    if (d.revoked) {
        auth_rejected->with({"session_revoked"}).inc();
        kit::Response r = error(*call, 401, "session_revoked", "this session has been signed out; sign in again");
        r.headers.add("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        call->done(std::move(r));
        return;
    }
    call->rate_headers.add("RateLimit-Limit", std::to_string(d.limit));
    call->rate_headers.add("RateLimit-Remaining", std::to_string(d.remaining));
    call->rate_headers.add("RateLimit-Reset", std::to_string(d.reset_seconds));
    if (!d.allowed) {
        rate_limited->inc();
        kit::Response r = error(*call, 429, "rate_limited", "too many requests; retry after " + std::to_string(d.reset_seconds) + " s");
        r.headers.add("Retry-After", std::to_string(std::max<std::int64_t>(1, d.reset_seconds)));
        finish(*call, std::move(r));
        return;
    }
    forward(std::move(call));
}

void Gateway::Impl::forward(std::shared_ptr<ProxyCall> call) {
    const int thread = UpstreamClient::io_thread_index();
    if (thread < 0 || static_cast<std::size_t>(thread) >= threads.size()) {
        finish(*call, error(*call, 500, "internal", "proxying off an I/O thread"));
        return;
    }
    const auto now = Clock::now();
    std::size_t& cursor = threads[static_cast<std::size_t>(thread)].cursors[call->route->index];
    Upstream* u = pick_upstream(*call->route, options.balance, cursor, call->first_tried, now);
    if (!u) {
        if (call->first_tried) {  // the retry found no other upstream
            finish(*call, error(*call, 502, "bad_gateway", "the upstream of " + call->route->prefix + " is unreachable"));
        } else {
            circuit_open[call->route->index]->inc();
            finish(*call, error(*call, 503, "service_unavailable",
                                "no upstream of " + call->route->prefix + " is available; retry later"));
        }
        return;
    }
    ++call->attempts;
    call->last_tried = u;
    u->begin_request();
    const kit::Request& req = *call->req;
    UpstreamClient::Outgoing out;
    out.head = build_upstream_head(req, {u->address().url.substr(7), call->user_id, call->user_role, call->path});
    out.body = req.body;
    out.body_stream = req.body_stream;
    out.head_request = req.method == "HEAD";
    out.broken_bodies = u->metrics.failures;
    client->send(u->index(), std::move(out), [this, call, u, started = now](ExchangeResult r) {
        u->end_request();
        const auto now = Clock::now();
        switch (r.kind) {
            case ExchangeResult::Kind::response:
                u->on_response(r.response.status, now, r.response.headers.contains("Retry-After"));
                if (u->metrics.latency) u->metrics.latency->observe(std::chrono::duration<double>(now - started).count());
                finish(*call, std::move(r.response));
                return;
            case ExchangeResult::Kind::connect_error:
                u->on_connect_error(now);
                logging::warn("gateway: upstream connect failed",
                              {{"upstream", u->address().url}, {"error", r.detail}, {"request_id", call->req->request_id}});
                // Nothing was sent (not even a streamed body's first byte, read only once connected),
                // so any method, a POST included, is safe to send elsewhere: as HAProxy's
                // retry-on conn-failure and Envoy's connect-failure do. A rolling restart then costs
                // no failed request.
                if (call->attempts == 1) {
                    retries->inc();
                    call->first_tried = u;
                    forward(call);
                    return;
                }
                finish(*call, error(*call, 502, "bad_gateway", "the upstream of " + call->route->prefix + " is unreachable"));
                return;
            case ExchangeResult::Kind::timeout:
                u->on_timeout(now);
                finish(*call, error(*call, 504, "gateway_timeout",
                                    "the upstream of " + call->route->prefix + " did not answer in time"));
                return;
            case ExchangeResult::Kind::client_failed:  // not the upstream's fault; the kit tells the client why
                finish(*call, error(*call, 400, "bad_request", "the request body broke off"));
                return;
            case ExchangeResult::Kind::failed:
                if (u->metrics.failures) u->metrics.failures->inc();
                u->on_timeout(now);  // counts toward ejection like a 5xx
                logging::warn("gateway: upstream exchange failed",
                              {{"upstream", u->address().url}, {"error", r.detail}, {"request_id", call->req->request_id}});
                finish(*call, error(*call, 502, "bad_gateway", "the upstream of " + call->route->prefix + " failed"));
                return;
        }
    });
}

Gateway::Gateway(GatewayOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Gateway::~Gateway() { stop(); }

void Gateway::start() {
    impl_->server.start();
    impl_->health->start();
    logging::info("aaiti-gateway listening", {{"url", impl_->server.base_url()},
                                               {"routes", static_cast<std::uint64_t>(impl_->table.routes().size())},
                                               {"balance", std::string(to_string(impl_->options.balance))},
                                               {"threads", impl_->server.options().threads}});
}

void Gateway::stop() {
    impl_->health->stop();
    impl_->server.stop();
}

int Gateway::run() {
    start();
    const int code = impl_->server.run();
    impl_->health->stop();
    return code;
}

std::uint16_t Gateway::port() const { return impl_->server.port(); }
std::string Gateway::base_url() const { return impl_->server.base_url(); }
kit::Server& Gateway::server() { return impl_->server; }

}  // namespace aaiti::gateway
