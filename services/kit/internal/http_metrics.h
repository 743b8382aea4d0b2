#pragma once
// The kit's http_* metrics and a per-I/O-thread cache of their children: a family lookup takes the
// registry's mutex and builds a label vector, so the request path looks each (method, route,
// status) child up once per thread and then only touches atomics.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/metrics.h"

namespace aaiti::kit::internal {

// Methods with their own metrics label; anything else is counted as "OTHER" to bound cardinality.
int method_index(std::string_view method) noexcept;
std::string_view method_label(int index) noexcept;

struct HttpMetrics {
    explicit HttpMetrics(metrics::Registry& registry);

    metrics::CounterFamily& requests_total;
    metrics::HistogramFamily& request_duration;
    metrics::Gauge& requests_in_flight;
    metrics::Gauge& connections_open;
    metrics::Counter& connections_accepted;
    metrics::Counter& connections_rejected;
    metrics::CounterFamily& worker_pool_rejected;  // {pool}
    metrics::GaugeFamily& worker_pool_queued;      // {pool}
};

// Owned by one I/O thread; not thread-safe by design.
class HttpMetricsCache {
public:
    explicit HttpMetricsCache(HttpMetrics& metrics) : metrics_(metrics) {}
    void observe(std::string_view method, std::uint32_t route_id, std::string_view route_label, int status, double seconds);

private:
    HttpMetrics& metrics_;
    std::unordered_map<std::uint64_t, metrics::Counter*> counters_;
    std::unordered_map<std::uint64_t, metrics::Histogram*> histograms_;
};

}  // namespace aaiti::kit::internal
