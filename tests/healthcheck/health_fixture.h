#pragma once
// Real peers for the health tests: a controllable HTTP target / webhook receiver
// (tests/healthcheck/health_peer.py), an SMTP receiver (aiosmtpd), and aaitictl in a clean environment.
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/process.h"

namespace aaiti::test::health_fixture {

class HealthPeer {
public:
    HealthPeer();
    int port() const { return port_; }
    std::string url(const std::string& path = "/") const;
    // POST /_control: e.g. {"status": 500} or {"delay_ms": 3000}.
    void control(const nlohmann::json& settings);
    // Every POST to /hook/... so far: [{"path","body"}].
    nlohmann::json received() const;
    // Waits until at least `count` hooks arrived (polls, up to 20 s); returns them.
    nlohmann::json wait_for_hooks(std::size_t count) const;
    std::string log() const { return process_->err(); }

private:
    std::unique_ptr<ChildProcess> process_;
    int port_ = 0;
};

// python3 -m aiosmtpd printing every message to its stdout.
class SmtpSink {
public:
    SmtpSink();
    int port() const { return port_; }
    std::string out() const { return process_->out(); }
    bool wait_for(const std::string& text) { return process_->wait_for_output(text, std::chrono::seconds(20)); }

private:
    std::unique_ptr<ChildProcess> process_;
    int port_ = 0;
};

using Env = std::vector<std::pair<std::string, std::string>>;
// aaitictl with exactly `env` (no inherited DB_*, SLACK_WEBHOOK, ...).
ProcessResult aaitictl(const std::vector<std::string>& args, const Env& env = {});

// A port nothing listens on.
std::string dead_url(const std::string& path = "/");

}  // namespace aaiti::test::health_fixture
