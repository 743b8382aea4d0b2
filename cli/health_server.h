#pragma once
// `aaitictl health --serve ADDR`: the results over HTTP while --watch runs (services/kit):
//   GET /metrics  Prometheus: aaiti_probe_up, aaiti_probe_duration_seconds, aaiti_target_healthy,
//                 alert delivery counters, and the kit's own http_* series
//   GET /state    the incident state (the --state file's JSON)
//   GET /report   the latest round as `-o json` prints it
#include <memory>
#include <string>

namespace aaiti::metrics {
class Registry;
}

namespace aaiti::cli {

class HealthServer {
public:
    // Listens at once; throws ConfigError on a bad address, and the kit's error when it cannot bind.
    explicit HealthServer(const std::string& listen_address);
    ~HealthServer();
    metrics::Registry& registry();
    std::string base_url() const;
    // Replaces what /state and /report answer.
    void publish(std::string state_json, std::string report_json);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace aaiti::cli
