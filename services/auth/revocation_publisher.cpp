#include "services/auth/revocation_publisher.h"

#include "common/logging.h"
#include "common/metrics.h"
#include "common/redis.h"
#include "common/revocation.h"

namespace aaiti::auth {

RevocationPublisher::RevocationPublisher(const std::string& redis_url, std::chrono::seconds access_ttl,
                                         metrics::Registry& registry)
    : key_ttl_(access_ttl + std::chrono::seconds(60)),
      published_(registry.counter("auth_revocations_published_total", "Revoked sessions written to Redis for the gateway.").get()),
      failures_(registry
                    .counter("auth_revocation_publish_failures_total",
                             "Revocations Redis did not take (the database revocation still holds).")
                    .get()) {
    if (redis_url.empty()) {
        logging::warn("auth: REDIS_URL is empty; revoked sessions are refused by auth only, not at the gateway");
        return;
    }
    client_ = std::make_unique<redis::Client>(redis::parse_url(redis_url));
}

RevocationPublisher::~RevocationPublisher() = default;

bool RevocationPublisher::publish(const std::vector<std::string>& sids) noexcept {
    if (sids.empty()) return true;
    if (!client_) {
        failures_.inc(static_cast<double>(sids.size()));
        return false;
    }
    try {
        std::vector<std::vector<std::string>> commands;
        for (const auto& sid : sids)
            commands.push_back({"SET", revocation::session_key(sid), "1", "EX", std::to_string(key_ttl_.count())});
        std::vector<redis::Reply> replies;
        {
            std::lock_guard lock(mutex_);
            replies = client_->pipeline(commands);
        }
        std::size_t failed = 0;
        for (const auto& reply : replies)
            if (reply.is_error()) ++failed;
        published_.inc(static_cast<double>(sids.size() - failed));
        if (failed == 0) return true;
        failures_.inc(static_cast<double>(failed));
        logging::warn("auth: Redis refused session revocations; the gateway may accept those tokens until they expire",
                      {{"failed", static_cast<std::uint64_t>(failed)}, {"error", replies.front().text}});
    } catch (const std::exception& e) {
        failures_.inc(static_cast<double>(sids.size()));
        logging::warn("auth: cannot publish session revocations to Redis; the gateway may accept those tokens until "
                      "they expire (auth itself refuses them)",
                      {{"sessions", static_cast<std::uint64_t>(sids.size())}, {"error", e.what()}});
    }
    return false;
}

}  // namespace aaiti::auth
