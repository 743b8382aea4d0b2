#include "services/kit/internal/http_metrics.h"

#include <array>

namespace aaiti::kit::internal {

namespace {
constexpr std::array<std::string_view, 10> k_methods = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE", "OTHER"};
}

int method_index(std::string_view method) noexcept {
    for (std::size_t i = 0; i + 1 < k_methods.size(); ++i)
        if (k_methods[i] == method) return static_cast<int>(i);
    return static_cast<int>(k_methods.size() - 1);
}

std::string_view method_label(int index) noexcept {
    if (index < 0 || static_cast<std::size_t>(index) >= k_methods.size()) return k_methods.back();
    return k_methods[static_cast<std::size_t>(index)];
}

HttpMetrics::HttpMetrics(metrics::Registry& r)
    : requests_total(r.counter("http_requests_total", "HTTP requests answered, by method, route template and status.",
                               {"method", "route", "status"})),
      request_duration(r.histogram("http_request_duration_seconds",
                                   "Time from the first byte of a request to the last byte of its response.",
                                   {"method", "route"})),
      requests_in_flight(r.gauge("http_requests_in_flight", "HTTP requests being read, handled or answered.").get()),
      connections_open(r.gauge("http_connections_open", "Open client connections.").get()),
      connections_accepted(r.counter("http_connections_accepted_total", "Client connections accepted.").get()),
      connections_rejected(r.counter("http_connections_rejected_total",
                                     "Connections answered 503 and closed because max_connections was reached.")
                               .get()),
      worker_pool_rejected(r.counter("http_worker_pool_rejected_total",
                                     "Blocking requests answered 503 because their worker pool's queue was full.", {"pool"})),
      worker_pool_queued(r.gauge("http_worker_pool_queued", "Blocking requests waiting for a thread of their worker pool.",
                                 {"pool"})) {}

void HttpMetricsCache::observe(std::string_view method, std::uint32_t route_id, std::string_view route_label, int status,
                               double seconds) {
    const int m = method_index(method);
    const std::uint64_t route_key = (std::uint64_t{route_id} << 8) | static_cast<std::uint64_t>(m);
    const std::uint64_t counter_key = (route_key << 12) | static_cast<std::uint64_t>(status & 0xFFF);

    auto c = counters_.find(counter_key);
    if (c == counters_.end())
        c = counters_
                .emplace(counter_key, &metrics_.requests_total.with({std::string(method_label(m)), std::string(route_label),
                                                                     std::to_string(status)}))
                .first;
    c->second->inc();

    auto h = histograms_.find(route_key);
    if (h == histograms_.end())
        h = histograms_
                .emplace(route_key, &metrics_.request_duration.with({std::string(method_label(m)), std::string(route_label)}))
                .first;
    h->second->observe(seconds);
}

}  // namespace aaiti::kit::internal
