#pragma once
// Export of the gateway's spans (one per proxied request) as OTLP/HTTP JSON to JAEGER_ENDPOINT
// (Jaeger's OTLP receiver, POST <endpoint>/v1/traces). Requests only append to a bounded queue
// (a short mutex, no I/O); one background thread batches and posts. A full queue drops the span
// and counts it (gateway_trace_spans_dropped_total): tracing never slows or fails a request.
// The seed's JAEGER_ENDPOINT (http://jaeger:14268/api/traces) is Jaeger's Thrift collector, which refuses
// OTLP: the configuration refuses it at start-up (check_trace_endpoint in common/config.h, also applied
// by the gateway's validate()). Each batch's resource carries service.name, service.version
// (SERVICE_VERSION) and deployment.environment (NODE_ENV, when set).
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace aaiti::metrics {
class Registry;
class Counter;
}  // namespace aaiti::metrics

namespace aaiti::gateway {

struct Span {
    std::string trace_id;        // 32 hex
    std::string span_id;         // 16 hex: the gateway's span (the upstream's parent)
    std::string parent_span_id;  // the caller's span, empty when the trace started here
    std::string name;            // "GET /api/trading"
    std::int64_t start_unix_ns = 0;
    std::int64_t end_unix_ns = 0;
    std::string method, path, route, upstream;  // attributes; upstream empty when none was tried
    int status = 0;
};

struct SpanExporterOptions {
    std::string endpoint;  // "http://jaeger:4318" (then /v1/traces is appended) or a full URL
    std::string service_version;  // resource attribute service.version
    std::string environment;      // resource attribute deployment.environment; empty: not sent
    std::size_t queue_capacity = 8192;
    std::size_t batch_size = 512;
    std::chrono::milliseconds flush_interval{1000};
};

class SpanExporter {
public:
    SpanExporter(SpanExporterOptions options, metrics::Registry& registry);
    ~SpanExporter();  // flushes what is queued (bounded by one post), joins the thread

    // Never blocks on I/O; drops (and counts) when the queue is full.
    void submit(Span span);

private:
    void run();
    std::string encode(const std::deque<Span>& batch) const;

    SpanExporterOptions options_;
    std::string url_;
    metrics::Counter& exported_;
    metrics::Counter& dropped_;
    metrics::Counter& failed_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Span> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace aaiti::gateway
