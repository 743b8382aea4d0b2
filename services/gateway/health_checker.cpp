#include "services/gateway/health_checker.h"

#include <exception>

#include "common/http_client.h"
#include "common/logging.h"

namespace aaiti::gateway {

HealthChecker::HealthChecker(std::vector<Upstream*> upstreams, std::string path, std::chrono::milliseconds interval,
                             std::chrono::milliseconds timeout)
    : upstreams_(std::move(upstreams)), path_(std::move(path)), liveness_only_(upstreams_.size(), false), interval_(interval),
      timeout_(timeout) {}

HealthChecker::~HealthChecker() { stop(); }

void HealthChecker::start() {
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

void HealthChecker::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void HealthChecker::run() {
    HttpClient client;  // keeps connections to the upstreams alive between rounds
    for (;;) {
        const auto round_start = std::chrono::steady_clock::now();
        for (std::size_t i = 0; i < upstreams_.size(); ++i) {
            Upstream* u = upstreams_[i];
            {
                std::lock_guard lock(mutex_);
                if (stopping_) return;
            }
            bool ok = false;
            try {
                HttpRequest req;
                req.url = u->address().url + (liveness_only_[i] ? "/health" : path_);
                req.timeout = timeout_;
                req.connect_timeout = timeout_;
                req.direct = true;
                long status = client.send(req).status;
                if (status == 404 && !liveness_only_[i] && path_ != "/health") {
                    liveness_only_[i] = true;
                    logging::info("gateway: upstream has no " + path_ + "; probing its /health instead",
                                  {{"upstream", u->address().url}});
                    req.url = u->address().url + "/health";
                    status = client.send(req).status;
                }
                ok = status < 400;
            } catch (const std::exception&) {
                ok = false;  // refused, timed out: a failed probe
            }
            u->on_probe(ok);
        }
        std::unique_lock lock(mutex_);
        if (wake_.wait_until(lock, round_start + interval_, [this] { return stopping_; })) return;
    }
}

}  // namespace aaiti::gateway
