#pragma once
// The supervisor's /metrics on 127.0.0.1 (monitoring.supervisor.port): process health, restarts,
// failovers and the last successful scheduled backup, which the BackupTooOld alert reads. Served from the
// supervisor's poll loop: Prometheus asks every few seconds, one short request each, so no server library.
#include <functional>
#include <string>

namespace aaiti::stack::native {

class MetricsListener {
public:
    explicit MetricsListener(int port);  // throws UnavailableError naming the port when it is taken
    ~MetricsListener();
    MetricsListener(const MetricsListener&) = delete;
    MetricsListener& operator=(const MetricsListener&) = delete;

    int fd() const { return fd_; }
    // Answers every connection waiting to be accepted: GET /metrics gets `body()`, anything else 404.
    void serve_pending(const std::function<std::string()>& body);

private:
    int fd_ = -1;
};

}  // namespace aaiti::stack::native
