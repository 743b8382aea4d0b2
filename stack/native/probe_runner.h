#pragma once
// Probes one process on its own thread, so a hung server never delays the supervisor's loop or the
// other probes: every 50 ms while it is coming up, every second once it has answered.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include "stack/native/native_plan.h"

namespace aaiti::stack::native {

class ProbeRunner {
public:
    struct Result {
        bool ok = false;
        std::string detail;
        std::chrono::steady_clock::time_point at{};  // when the probe finished; default: none yet
        int consecutive_failures = 0;
    };

    explicit ProbeRunner(HealthProbe probe);
    ~ProbeRunner();
    ProbeRunner(const ProbeRunner&) = delete;
    ProbeRunner& operator=(const ProbeRunner&) = delete;

    Result latest() const;
    // The process was (re)started: probe quickly again until it answers.
    void hurry();

private:
    void run(std::stop_token stop);

    const HealthProbe probe_;
    mutable std::mutex mutex_;
    std::condition_variable_any wake_;
    Result latest_;
    bool hurry_ = true;
    std::jthread thread_;  // last: started once everything above exists
};

}  // namespace aaiti::stack::native
