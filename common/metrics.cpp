#include "common/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace aaiti::metrics {
namespace {

bool valid_metric_name(const std::string& name) {
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
    return std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '_' || c == ':'; });
}

// Label values and HELP text escaping as the exposition format requires.
std::string escape(const std::string& s, bool quote) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else if (quote && c == '"') out += "\\\"";
        else out.push_back(c);
    }
    return out;
}

std::string format_value(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    char buf[64];
    // Shortest text that round-trips, in %g style ("0.0005", not "5e-04") like other exporters.
    const auto result = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general);
    return std::string(buf, result.ptr);
}

std::string label_set(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      const std::string& extra_name = {}, const std::string& extra_value = {}) {
    if (names.empty() && extra_name.empty()) return {};
    std::string out = "{";
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i) out += ',';
        out += names[i] + "=\"" + escape(values[i], true) + '"';
    }
    if (!extra_name.empty()) {
        if (!names.empty()) out += ',';
        out += extra_name + "=\"" + extra_value + '"';
    }
    return out + '}';
}

void render_header(std::string& out, const std::string& name, const std::string& help, const char* type) {
    out += "# HELP " + name + ' ' + escape(help, false) + '\n';
    out += "# TYPE " + name + ' ' + type + '\n';
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds) : upper_bounds_(std::move(upper_bounds)) {
    std::sort(upper_bounds_.begin(), upper_bounds_.end());
    buckets_ = std::make_unique<std::atomic<std::uint64_t>[]>(upper_bounds_.size() + 1);
    for (std::size_t i = 0; i <= upper_bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double v) {
    const auto it = std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), v);  // first bound >= v ("le")
    buckets_[static_cast<std::size_t>(it - upper_bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(v, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
    Snapshot s;
    s.upper_bounds = upper_bounds_;
    std::uint64_t running = 0;
    for (std::size_t i = 0; i <= upper_bounds_.size(); ++i) {
        running += buckets_[i].load(std::memory_order_relaxed);
        s.cumulative.push_back(running);
    }
    s.sum = sum_.load(std::memory_order_relaxed);
    // Derive the count from the buckets so that count == +Inf bucket even while observations race.
    s.count = running;
    return s;
}

std::vector<double> default_latency_buckets() {
    return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Registry::Entry* Registry::find(const std::string& name) {
    for (auto& e : entries_) {
        const std::string& n = e.type == MetricType::counter ? e.counter->name()
                               : e.type == MetricType::gauge ? e.gauge->name()
                                                             : e.histogram->name();
        if (n == name) return &e;
    }
    return nullptr;
}

CounterFamily& Registry::counter(const std::string& name, const std::string& help, std::vector<std::string> label_names) {
    if (!valid_metric_name(name) || name.size() < 6 || name.compare(name.size() - 6, 6, "_total") != 0)
        throw std::invalid_argument("metric " + name + ": a counter name must be [a-zA-Z_:][a-zA-Z0-9_:]* ending in _total");
    std::lock_guard lock(mutex_);
    if (Entry* e = find(name)) {
        if (e->type != MetricType::counter || e->counter->label_names() != label_names)
            throw std::invalid_argument("metric " + name + " is already registered with another type or labels");
        return *e->counter;
    }
    Entry e{MetricType::counter, std::make_unique<CounterFamily>(name, help, std::move(label_names)), nullptr, nullptr};
    entries_.push_back(std::move(e));
    return *entries_.back().counter;
}

GaugeFamily& Registry::gauge(const std::string& name, const std::string& help, std::vector<std::string> label_names) {
    if (!valid_metric_name(name)) throw std::invalid_argument("metric " + name + ": invalid name");
    std::lock_guard lock(mutex_);
    if (Entry* e = find(name)) {
        if (e->type != MetricType::gauge || e->gauge->label_names() != label_names)
            throw std::invalid_argument("metric " + name + " is already registered with another type or labels");
        return *e->gauge;
    }
    Entry e{MetricType::gauge, nullptr, std::make_unique<GaugeFamily>(name, help, std::move(label_names)), nullptr};
    entries_.push_back(std::move(e));
    return *entries_.back().gauge;
}

HistogramFamily& Registry::histogram(const std::string& name, const std::string& help, std::vector<std::string> label_names,
                                     std::vector<double> buckets) {
    if (!valid_metric_name(name)) throw std::invalid_argument("metric " + name + ": invalid name");
    if (std::find(label_names.begin(), label_names.end(), "le") != label_names.end())
        throw std::invalid_argument("metric " + name + ": a histogram cannot have a label named le");
    std::lock_guard lock(mutex_);
    if (Entry* e = find(name)) {
        if (e->type != MetricType::histogram || e->histogram->label_names() != label_names)
            throw std::invalid_argument("metric " + name + " is already registered with another type or labels");
        return *e->histogram;
    }
    Entry e{MetricType::histogram, nullptr, nullptr,
            std::make_unique<HistogramFamily>(name, help, std::move(label_names), std::move(buckets))};
    entries_.push_back(std::move(e));
    return *entries_.back().histogram;
}

std::string Registry::render() const {
    std::lock_guard lock(mutex_);
    std::string out;
    out.reserve(4096);
    for (const auto& e : entries_) {
        switch (e.type) {
            case MetricType::counter: {
                const auto& f = *e.counter;
                render_header(out, f.name(), f.help(), "counter");
                f.for_each([&](const std::vector<std::string>& values, const Counter& c) {
                    out += f.name() + label_set(f.label_names(), values) + ' ' + format_value(c.value()) + '\n';
                });
                break;
            }
            case MetricType::gauge: {
                const auto& f = *e.gauge;
                render_header(out, f.name(), f.help(), "gauge");
                f.for_each([&](const std::vector<std::string>& values, const Gauge& g) {
                    out += f.name() + label_set(f.label_names(), values) + ' ' + format_value(g.value()) + '\n';
                });
                break;
            }
            case MetricType::histogram: {
                const auto& f = *e.histogram;
                render_header(out, f.name(), f.help(), "histogram");
                f.for_each([&](const std::vector<std::string>& values, const Histogram& h) {
                    const auto s = h.snapshot();
                    for (std::size_t i = 0; i < s.upper_bounds.size(); ++i)
                        out += f.name() + "_bucket" + label_set(f.label_names(), values, "le", format_value(s.upper_bounds[i])) +
                               ' ' + std::to_string(s.cumulative[i]) + '\n';
                    out += f.name() + "_bucket" + label_set(f.label_names(), values, "le", "+Inf") + ' ' +
                           std::to_string(s.cumulative.back()) + '\n';
                    out += f.name() + "_sum" + label_set(f.label_names(), values) + ' ' + format_value(s.sum) + '\n';
                    out += f.name() + "_count" + label_set(f.label_names(), values) + ' ' + std::to_string(s.count) + '\n';
                });
                break;
            }
        }
    }
    return out;
}

}  // namespace aaiti::metrics
