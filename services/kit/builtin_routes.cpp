// GET /health (liveness), /ready (readiness) and /metrics (Prometheus text). None of them runs on a
// worker pool: a pool full of slow work (a login surge hashing passwords) must not make a probe time
// out, or a supervisor restarts a process that is only busy and a balancer drops an instance that
// still serves everything else. /ready's checks may block, so they run on threads of their own and
// answer through the async Responder.
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
    core.router.add("GET", "/ready", {Dispatch::async, {}, [&core](const Request&, Responder respond) {
                                          core.readiness.run_async(core.draining.load(), core.options.readiness_timeout,
                                                                   [respond](ReadinessChecks::Report report) {
                                                                       respond(Response::json(report.ok ? 200 : 503, std::move(report.body)));
                                                                   });
                                      }, RequestBody::buffered});
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
