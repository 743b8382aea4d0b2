#pragma once
// Where alerts go, all through libcurl: Slack and Discord incoming webhooks, generic JSON webhooks,
// and e-mail over SMTP (STARTTLS whenever the server offers it; port 465 is implicit TLS).
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "healthcheck/incident_tracker.h"

namespace aaiti::health {

struct SmtpSettings {
    std::string host;
    int port = 587;
    std::string user;      // empty: no AUTH
    std::string password;
    std::string from;
    std::vector<std::string> to;
};

struct AlertSettings {
    std::string slack_webhook;          // SLACK_WEBHOOK
    std::string discord_webhook;        // DISCORD_WEBHOOK
    std::vector<std::string> webhooks;  // --webhook URL (generic JSON)
    std::optional<SmtpSettings> smtp;   // SMTP_HOST set
};

class AlertChannel {
public:
    virtual ~AlertChannel() = default;
    // "slack", "discord", "webhook", "email": the label of logs and metrics.
    virtual const std::string& name() const = 0;
    // Delivers once; throws std::runtime_error (secrets masked) when the receiver fails or refuses.
    virtual void deliver(const AlertEvent& event) = 0;
};

// One channel per configured receiver. `timeout` bounds each delivery attempt.
std::vector<std::unique_ptr<AlertChannel>> make_alert_channels(const AlertSettings& settings, std::chrono::milliseconds timeout);

// The exact payloads (pinned by tests):
std::string slack_payload(const AlertEvent& event);    // {"text": "..."}
std::string discord_payload(const AlertEvent& event);  // {"content": "..."}
// {"event":"failure|reminder|recovery","target":...,"text":...,"cause":...,"since":ISO,"at":ISO,
//  "downtime_seconds":N (recovery only)}
std::string webhook_payload(const AlertEvent& event);
// RFC 5322 message with CRLF line ends.
std::string email_message(const AlertEvent& event, const SmtpSettings& smtp);

}  // namespace aaiti::health
