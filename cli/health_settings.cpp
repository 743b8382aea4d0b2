#include "health_settings.h"

#include <stdexcept>
#include <string>
#include <vector>

#include "common/error.h"
#include "health_stack_targets.h"
#include "healthcheck/gateway_discovery.h"

namespace aaiti::cli {

std::chrono::milliseconds flag_duration(const std::string& flag, const std::string& text) {
    try {
        return parse_duration(text);
    } catch (const std::exception&) {
        throw UsageError("health: " + flag + " \"" + text + "\" is not a duration; use e.g. 250ms, 2s, 10m, 1h");
    }
}

health::ProbePlan health_plan(const HealthFlags& flags, const Config& config,
                              std::map<std::string, std::string>* missing_password_messages) {
    health::ProbePlan plan;
    for (const auto& spec : flags.targets) plan.targets.push_back(health::parse_target_spec(spec));
    if (!flags.password_file.empty() && flags.stack_file.empty())
        throw UsageError("health: --password-file is the password of the --stack's database; give --stack too");
    if (!flags.stack_file.empty()) {
        auto stack = stack_health_targets(flags.stack_file, config, flags.password_file);
        for (auto& target : stack.targets) plan.targets.push_back(std::move(target));
        if (missing_password_messages) *missing_password_messages = std::move(stack.missing_password_messages);
    }
    for (const auto& spec : flags.conditions) plan.conditions.push_back(health::parse_condition(spec));
    plan.timeout = flag_duration("--timeout", flags.timeout);
    // Discovered once, at start: a --watch run keeps the targets it began with.
    if (!flags.from_gateway.empty())
        for (auto& target : health::discover_gateway_targets(flags.from_gateway, static_cast<long>(plan.timeout.count())))
            plan.targets.push_back(std::move(target));
    health::validate_plan(plan);
    return plan;
}

health::Thresholds health_thresholds(const HealthFlags& flags) {
    if (flags.failure_threshold < 1) throw UsageError("health: --failure-threshold must be at least 1");
    if (flags.success_threshold < 1) throw UsageError("health: --success-threshold must be at least 1");
    health::Thresholds t;
    t.failure = flags.failure_threshold;
    t.success = flags.success_threshold;
    t.reminder = std::chrono::duration_cast<std::chrono::seconds>(flag_duration("--reminder", flags.reminder));
    return t;
}

namespace {

std::vector<std::string> split_addresses(const std::string& text) {
    std::vector<std::string> out;
    std::string current;
    for (char c : text + ",") {
        if (c == ',') {
            const auto first = current.find_first_not_of(' ');
            if (first != std::string::npos) out.push_back(current.substr(first, current.find_last_not_of(' ') - first + 1));
            current.clear();
        } else {
            current += c;
        }
    }
    return out;
}

}  // namespace

health::AlertSettings health_alert_settings(const HealthFlags& flags, const Config& config) {
    health::AlertSettings settings;
    settings.slack_webhook = config.get_or("SLACK_WEBHOOK", "");
    settings.discord_webhook = config.get_or("DISCORD_WEBHOOK", "");
    settings.webhooks = flags.webhooks;
    const std::string smtp_host = config.get_or("SMTP_HOST", "");
    if (!smtp_host.empty()) {
        health::SmtpSettings smtp;
        smtp.host = smtp_host;
        smtp.port = static_cast<int>(config.get_int("SMTP_PORT"));
        smtp.user = config.get_or("SMTP_USER", "");
        smtp.password = config.get_or("SMTP_PASS", "");
        // The seed sets SMTP_HOST, SMTP_USER and SMTP_PASS only: the sender is the account's address then.
        smtp.from = config.get_or("SMTP_FROM", "");
        if (smtp.from.empty() && smtp.user.find('@') != std::string::npos) smtp.from = smtp.user;
        smtp.to = split_addresses(config.get_or("SMTP_TO", ""));
        std::vector<std::string> missing;
        if (smtp.to.empty()) missing.push_back("SMTP_TO (the recipients, comma-separated)");
        if (smtp.from.empty())
            missing.push_back(smtp.user.empty() ? "SMTP_FROM (the sender; it defaults to SMTP_USER, which is not set either)"
                                                : "SMTP_FROM (the sender; SMTP_USER \"" + smtp.user +
                                                      "\" is no e-mail address to send from)");
        if (!missing.empty()) {
            std::string list;
            for (const auto& m : missing) list += (list.empty() ? "" : " and ") + m;
            throw ConfigError("SMTP_HOST is set (" + config.entry("SMTP_HOST")->origin + "), but alert mail also needs " + list);
        }
        settings.smtp = std::move(smtp);
    }
    return settings;
}

}  // namespace aaiti::cli
