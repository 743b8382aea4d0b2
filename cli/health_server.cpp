#include "health_server.h"

#include <mutex>

#include "services/kit/server.h"

namespace aaiti::cli {

struct HealthServer::Impl {
    explicit Impl(kit::ServerOptions options) : server(std::move(options)) {}
    kit::Server server;
    std::mutex mutex;
    std::string state = "{}";
    std::string report = "{}";
};

HealthServer::HealthServer(const std::string& listen_address) {
    const auto address = kit::parse_listen_address(listen_address);
    kit::ServerOptions options;
    options.host = address.host;
    options.port = address.port;
    options.threads = 1;        // a scrape every few seconds
    options.worker_threads = 1;
    options.access_log = false;  // stderr belongs to the health log lines
    impl_ = std::make_unique<Impl>(options);
    Impl* impl = impl_.get();
    impl_->server.get("/state", [impl](const kit::Request&) {
        std::lock_guard lock(impl->mutex);
        return kit::Response::json(200, impl->state);
    });
    impl_->server.get("/report", [impl](const kit::Request&) {
        std::lock_guard lock(impl->mutex);
        return kit::Response::json(200, impl->report);
    });
    impl_->server.start();
}

HealthServer::~HealthServer() {
    if (impl_) impl_->server.stop();
}

metrics::Registry& HealthServer::registry() { return impl_->server.metrics(); }

std::string HealthServer::base_url() const { return impl_->server.base_url(); }

void HealthServer::publish(std::string state_json, std::string report_json) {
    std::lock_guard lock(impl_->mutex);
    impl_->state = std::move(state_json);
    impl_->report = std::move(report_json);
}

}  // namespace aaiti::cli
