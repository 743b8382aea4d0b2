// GET /health (liveness), /ready (readiness checks, on the worker pool because checks may block)
// and /metrics (Prometheus text).
#include "services/kit/internal/pipeline.h"
#include "services/kit/internal/server_core.h"

namespace aaiti::kit::internal {

namespace {
Response forbidden_metrics(const ServerOptions& options, const Request& req) {
    return kit_error(options, 403, "forbidden", "/metrics is served only to METRICS_ALLOW (" + options.metrics_allow.text() + ")",
                     req.request_id);
}
}  // namespace

void add_builtin_routes(ServerCore& core) {
    core.router.add("GET", "/health", {Dispatch::inline_io, [](const Request&) {
                                           return Response::json(200, R"({"status":"ok"})");
                                       }, {}, RequestBody::buffered});
    core.router.add("GET", "/ready", {Dispatch::worker_pool, [&core](const Request&) {
                                          auto report = core.readiness.run(core.draining.load(), core.options.readiness_timeout);
                                          return Response::json(report.ok ? 200 : 503, std::move(report.body));
                                      }, {}, RequestBody::buffered});
    core.router.add("GET", "/metrics", {Dispatch::inline_io, [&core](const Request& req) {
                                            if (!core.options.metrics_allow.contains(req.client_address))
                                                return forbidden_metrics(core.options, req);
                                            std::int64_t in_flight = 0;
                                            for (const auto* counter : core.in_flight_per_thread) in_flight += counter->load();
                                            core.http_metrics.requests_in_flight.set(static_cast<double>(in_flight));
                                            Response r;
                                            r.content_type = metrics::Registry::k_content_type;
                                            r.body = core.registry.render();
                                            return r;
                                        }, {}, RequestBody::buffered});
}

}  // namespace aaiti::kit::internal
