#include "services/gateway/span_exporter.h"

#include <exception>

#include "common/http_client.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "services/kit/response.h"

namespace aaiti::gateway {

namespace {

std::string full_url(const std::string& endpoint) {
    // "http://host:4318" or ".../" -> the OTLP traces path; a URL with a path is used as given.
    const auto scheme_end = endpoint.find("://");
    const auto path_start = endpoint.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
    if (path_start == std::string::npos) return endpoint + "/v1/traces";
    if (path_start == endpoint.size() - 1) return endpoint + "v1/traces";
    return endpoint;
}

void attribute(std::string& out, bool& first, std::string_view key, std::string_view value) {
    if (!first) out += ',';
    first = false;
    out += "{\"key\":" + kit::json_quote(key) + ",\"value\":{\"stringValue\":" + kit::json_quote(value) + "}}";
}

}  // namespace

SpanExporter::SpanExporter(SpanExporterOptions options, metrics::Registry& registry)
    : options_(std::move(options)),
      url_(full_url(options_.endpoint)),
      exported_(registry.counter("gateway_trace_spans_exported_total", "Spans delivered to the trace collector.").get()),
      dropped_(registry.counter("gateway_trace_spans_dropped_total", "Spans dropped because the export queue was full.").get()),
      failed_(registry.counter("gateway_trace_export_failures_total", "Span batches the collector did not accept.").get()) {
    thread_ = std::thread([this] { run(); });
}

SpanExporter::~SpanExporter() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void SpanExporter::submit(Span span) {
    {
        std::lock_guard lock(mutex_);
        if (queue_.size() >= options_.queue_capacity) {
            dropped_.inc();
            return;
        }
        queue_.push_back(std::move(span));
        if (queue_.size() < options_.batch_size) return;
    }
    wake_.notify_one();
}

void SpanExporter::run() {
    HttpClient client;
    for (;;) {
        std::deque<Span> batch;
        bool last = false;
        {
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, options_.flush_interval, [this] { return stopping_ || queue_.size() >= options_.batch_size; });
            last = stopping_;
            const std::size_t n = std::min(queue_.size(), options_.batch_size);
            for (std::size_t i = 0; i < n; ++i) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        if (!batch.empty()) {
            try {
                HttpRequest req;
                req.method = "POST";
                req.url = url_;
                req.headers = {{"Content-Type", "application/json"}};
                req.body = encode(batch);
                req.timeout = std::chrono::seconds(5);
                req.connect_timeout = std::chrono::seconds(2);
                const auto res = client.send(req);
                if (res.status >= 200 && res.status < 300) {
                    exported_.inc(static_cast<double>(batch.size()));
                } else {
                    failed_.inc();
                    logging::warn("gateway: the trace collector refused spans", {{"status", static_cast<std::int64_t>(res.status)}});
                }
            } catch (const std::exception& e) {
                failed_.inc();
                logging::warn("gateway: exporting spans failed", {{"error", e.what()}});
            }
        }
        if (last) return;
    }
}

std::string SpanExporter::encode(const std::deque<Span>& batch) const {
    std::string out = R"({"resourceSpans":[{"resource":{"attributes":[)";
    bool first_resource = true;
    attribute(out, first_resource, "service.name", "aaiti-gateway");
    if (!options_.service_version.empty()) attribute(out, first_resource, "service.version", options_.service_version);
    if (!options_.environment.empty()) attribute(out, first_resource, "deployment.environment", options_.environment);
    out += R"(]},"scopeSpans":[{"scope":{"name":"aaiti-gateway"},"spans":[)";
    bool first_span = true;
    for (const Span& s : batch) {
        if (!first_span) out += ',';
        first_span = false;
        // OTLP/JSON: ids as hex strings, 64-bit times as decimal strings, kind 2 = SERVER,
        // status code 2 = ERROR for 5xx, 0 = UNSET otherwise.
        out += "{\"traceId\":" + kit::json_quote(s.trace_id) + ",\"spanId\":" + kit::json_quote(s.span_id);
        if (!s.parent_span_id.empty()) out += ",\"parentSpanId\":" + kit::json_quote(s.parent_span_id);
        out += ",\"name\":" + kit::json_quote(s.name) + ",\"kind\":2,\"startTimeUnixNano\":\"" + std::to_string(s.start_unix_ns) +
               "\",\"endTimeUnixNano\":\"" + std::to_string(s.end_unix_ns) + "\",\"attributes\":[";
        bool first = true;
        attribute(out, first, "http.method", s.method);
        attribute(out, first, "http.target", s.path);
        attribute(out, first, "http.route", s.route);
        if (!s.upstream.empty()) attribute(out, first, "aaiti.upstream", s.upstream);
        out += ",{\"key\":\"http.status_code\",\"value\":{\"intValue\":\"" + std::to_string(s.status) + "\"}}]";
        out += ",\"status\":{\"code\":" + std::string(s.status >= 500 ? "2" : "0") + "}}";
    }
    out += "]}]}]}";
    return out;
}

}  // namespace aaiti::gateway
