#include "stack/native/probe_runner.h"

#include "stack/native/probes.h"

namespace aaiti::stack::native {
namespace {

constexpr std::chrono::milliseconds k_fast_interval{50};  // loopback probes are cheap; each step of the start waits on one
constexpr std::chrono::milliseconds k_steady_interval{1000};
constexpr std::chrono::milliseconds k_timeout{1000};

ProbeResult probe_once(const HealthProbe& p) {
    switch (p.kind) {
    case ProbeKind::http: return probe_http(p.port, p.path, k_timeout);
    case ProbeKind::redis: return probe_redis(p.port, k_timeout, p.password);
    case ProbeKind::postgres: return probe_postgres(p.port, k_timeout);
    }
    return {};
}

}  // namespace

ProbeRunner::ProbeRunner(HealthProbe probe) : probe_(std::move(probe)), thread_([this](std::stop_token stop) { run(stop); }) {}

ProbeRunner::~ProbeRunner() {
    thread_.request_stop();
    wake_.notify_all();
}

ProbeRunner::Result ProbeRunner::latest() const {
    std::lock_guard lock(mutex_);
    return latest_;
}

void ProbeRunner::hurry() {
    {
        std::lock_guard lock(mutex_);
        hurry_ = true;
    }
    wake_.notify_all();
}

void ProbeRunner::run(std::stop_token stop) {
    while (!stop.stop_requested()) {
        const ProbeResult r = probe_once(probe_);
        std::unique_lock lock(mutex_);
        latest_.consecutive_failures = r.ok ? 0 : latest_.consecutive_failures + 1;
        latest_.ok = r.ok;
        latest_.detail = r.detail;
        latest_.at = std::chrono::steady_clock::now();
        if (r.ok) hurry_ = false;
        const auto interval = hurry_ ? k_fast_interval : k_steady_interval;
        wake_.wait_for(lock, stop, interval, [this] { return hurry_ && latest_.ok; });
    }
}

}  // namespace aaiti::stack::native
