#pragma once
// Prometheus text exposition (format 0.0.4): counters, gauges and histograms with labels.
// prometheus-cpp is not packaged in Debian, so this is our own, kept small.
//
// Hot-path cost: `family.with({...})` takes a mutex to find or create a child; callers on a
// request path look a child up once and keep the reference (children live as long as the
// registry and never move). Updating a child is a lock-free atomic operation.
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace aaiti::metrics {

class Counter {
public:
    void inc(double by = 1.0) { value_.fetch_add(by, std::memory_order_relaxed); }
    double value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0.0};
};

class Gauge {
public:
    void set(double v) { value_.store(v, std::memory_order_relaxed); }
    void inc(double by = 1.0) { value_.fetch_add(by, std::memory_order_relaxed); }
    void dec(double by = 1.0) { value_.fetch_sub(by, std::memory_order_relaxed); }
    double value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<double> value_{0.0};
};

class Histogram {
public:
    explicit Histogram(std::vector<double> upper_bounds);
    void observe(double v);

    struct Snapshot {
        std::vector<double> upper_bounds;       // without +Inf
        std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf last
        double sum = 0;
        std::uint64_t count = 0;
    };
    Snapshot snapshot() const;

private:
    std::vector<double> upper_bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // per-bucket (not cumulative), +Inf last
    std::atomic<double> sum_{0.0};
    std::atomic<std::uint64_t> count_{0};
};

// Default latency buckets in seconds, 0.5 ms .. 10 s.
std::vector<double> default_latency_buckets();

enum class MetricType { counter, gauge, histogram };

// A metric name with its label names; one child per distinct tuple of label values.
template <class Child>
class Family {
public:
    Family(std::string name, std::string help, std::vector<std::string> label_names, std::vector<double> buckets = {})
        : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)), buckets_(std::move(buckets)) {}

    // Values in the order of the label names given at registration. Throws std::invalid_argument
    // when the count differs.
    Child& with(const std::vector<std::string>& label_values);
    Child& with(std::initializer_list<std::string> label_values) { return with(std::vector<std::string>(label_values)); }
    // The child without labels (for families registered with none).
    Child& get() { return with(std::vector<std::string>{}); }

    const std::string& name() const { return name_; }
    const std::string& help() const { return help_; }
    const std::vector<std::string>& label_names() const { return label_names_; }

    template <class Visit>
    void for_each(Visit&& visit) const {
        std::lock_guard lock(mutex_);
        for (const auto& [labels, child] : children_) visit(labels, *child);
    }

private:
    std::string name_, help_;
    std::vector<std::string> label_names_;
    std::vector<double> buckets_;
    mutable std::mutex mutex_;
    std::map<std::vector<std::string>, std::unique_ptr<Child>> children_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class Registry {
public:
    // Registering the same name twice returns the existing family when type and labels match,
    // and throws std::invalid_argument otherwise. Counter names must end in `_total`.
    CounterFamily& counter(const std::string& name, const std::string& help, std::vector<std::string> label_names = {});
    GaugeFamily& gauge(const std::string& name, const std::string& help, std::vector<std::string> label_names = {});
    HistogramFamily& histogram(const std::string& name, const std::string& help, std::vector<std::string> label_names = {},
                               std::vector<double> buckets = default_latency_buckets());

    // The whole registry in Prometheus text format, families in registration order.
    std::string render() const;

    static constexpr const char* k_content_type = "text/plain; version=0.0.4; charset=utf-8";

private:
    struct Entry {
        MetricType type;
        std::unique_ptr<CounterFamily> counter;
        std::unique_ptr<GaugeFamily> gauge;
        std::unique_ptr<HistogramFamily> histogram;
    };
    Entry* find(const std::string& name);
    mutable std::mutex mutex_;
    std::vector<Entry> entries_;
};

template <class Child>
Child& Family<Child>::with(const std::vector<std::string>& label_values) {
    if (label_values.size() != label_names_.size())
        throw std::invalid_argument("metric " + name_ + ": expected " + std::to_string(label_names_.size()) +
                                    " label values, got " + std::to_string(label_values.size()));
    std::lock_guard lock(mutex_);
    auto it = children_.find(label_values);
    if (it != children_.end()) return *it->second;
    std::unique_ptr<Child> child;
    if constexpr (std::is_same_v<Child, Histogram>)
        child = std::make_unique<Child>(buckets_);
    else
        child = std::make_unique<Child>();
    return *children_.emplace(label_values, std::move(child)).first->second;
}

}  // namespace aaiti::metrics
