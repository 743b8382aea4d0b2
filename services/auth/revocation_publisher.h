#pragma once
// Tells the gateway about revoked sessions (common/revocation.h): one SET aaiti:revoked:sid:<sid> 1
// EX <access ttl + 60> per session, pipelined. Best effort by design: if Redis is unreachable the
// revocation still holds in auth's own database (verify, profile, refresh refuse the session), a
// warning is logged and auth_revocation_publish_failures_total counts it.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace aaiti::metrics {
class Registry;
class Counter;
}  // namespace aaiti::metrics
namespace aaiti::redis {
class Client;
}

namespace aaiti::auth {

class RevocationPublisher {
public:
    // Empty `redis_url`: publishing is off (logged once). Throws ConfigError for a malformed URL.
    RevocationPublisher(const std::string& redis_url, std::chrono::seconds access_ttl, metrics::Registry& registry);
    ~RevocationPublisher();

    // Never throws; returns false when Redis did not take every key.
    bool publish(const std::vector<std::string>& sids) noexcept;

private:
    std::mutex mutex_;  // one connection, shared by the worker threads
    std::unique_ptr<redis::Client> client_;
    std::chrono::seconds key_ttl_;
    metrics::Counter& published_;
    metrics::Counter& failures_;
};

}  // namespace aaiti::auth
