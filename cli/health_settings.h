#pragma once
// `aaitictl health`: turning flags and configuration into the library's plan, thresholds and alert
// receivers, each with a usage error that names the bad flag.
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "common/config.h"
#include "healthcheck/alert_channels.h"
#include "healthcheck/incident_tracker.h"
#include "healthcheck/probe_round.h"

namespace aaiti::cli {

struct HealthFlags {
    std::vector<std::string> targets;     // NAME=URL
    std::vector<std::string> conditions;  // 'NAME: SUBJECT OP VALUE'
    std::vector<std::string> webhooks;
    std::string from_gateway;             // gateway base URL: targets from its /services
    std::string stack_file;               // --stack: targets from a stack file
    std::string password_file;            // --password-file: the stack's PostgreSQL password
    bool once = false;
    bool watch = false;
    std::string interval = "10s";
    std::string timeout = "2s";
    int failure_threshold = 3;
    int success_threshold = 2;
    std::string reminder = "0";
    std::string state_file;
    std::string serve;
    bool nagios = false;
    int alert_attempts = 4;
    std::string alert_backoff = "500ms";
};

// "--interval" "10s" -> 10 s; throws UsageError naming the flag.
std::chrono::milliseconds flag_duration(const std::string& flag, const std::string& text);

// Targets from --target, --stack (read with `config`) and --from-gateway, in that order. When --stack found no
// PostgreSQL password, `missing_password_messages` (if given) says, by target, what a refused probe should say instead.
health::ProbePlan health_plan(const HealthFlags& flags, const Config& config,
                              std::map<std::string, std::string>* missing_password_messages = nullptr);
health::Thresholds health_thresholds(const HealthFlags& flags);
// SLACK_WEBHOOK, DISCORD_WEBHOOK, SMTP_* from the configuration, --webhook from the flags.
health::AlertSettings health_alert_settings(const HealthFlags& flags, const Config& config);

}  // namespace aaiti::cli
