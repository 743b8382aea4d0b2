#include "stack/stack_settings.h"

#include <sstream>

namespace aaiti::stack {

std::string wired_by_stack(std::string_view key) {
    if (key == "DB_HOST" || key == "DB_PORT" || key == "DB_NAME" || key == "DB_USER" || key == "DB_PASSWORD" ||
        key == "WRITE_DB_URL" || key == "READ_DB_URL")
        return "the PostgreSQL the stack runs (database.port, database.name, database.user in the stack file; the password in "
               "secrets_dir/db_password)";
    if (key == "SQLITE_DB_PATH") return "one SQLite file per service in the state directory";
    if (key == "REDIS_URL") return "the Redis the stack runs (redis.port in the stack file)";
    if (key == "JWT_SECRET") return "secrets_dir/jwt_secret, shared by the gateway and auth";
    if (key.size() > 12 && key.substr(key.size() - 12) == "_SERVICE_URL")
        return "the instances the stack runs (services.<name>.port and replicas in the stack file)";
    if (key == "TRUSTED_PROXIES")
        return "the proxies in front of each process, per process (set one in services.<name>.environment in the stack file)";
    if (key == "LOG_FORMAT") return "json, the format of the stack's log files";
    if (key == "BACKUP_REPOSITORY" || key == "BACKUP_KEY_FILE" || key == "BACKUP_PASSPHRASE_FILE")
        return "backup.repository in the stack file and secrets_dir/backup_key (the services do not read it)";
    return {};
}

bool from_caller(const ConfigEntry& entry) {
    return entry.source == ConfigSource::environment || entry.source == ConfigSource::flag;
}

StackSettings stack_settings(const Config& config, const std::string& verb) {
    StackSettings s;
    for (const ConfigEntry& e : config.entries()) {
        if (e.source == ConfigSource::default_value || e.value.empty()) continue;
        const std::string wired = wired_by_stack(e.key);
        if (wired.empty()) {
            s.passed.push_back(e);
        } else if (from_caller(e)) {
            s.warnings.push_back(verb + ": " + e.key + " (" + e.origin + ") is not passed to the stack, which wires it itself: " +
                                 wired + "; unset it to silence this");
        }
    }
    return s;
}

void apply_alert_settings(Stack& stack, const Config& config) {
    auto& a = stack.alerts;
    for (const ConfigEntry& e : config.entries()) {
        if (!from_caller(e)) continue;
        if (e.key == "SLACK_WEBHOOK") a.slack_webhook = e.value;
        else if (e.key == "DISCORD_WEBHOOK") a.discord_webhook = e.value;
        else if (e.key == "SMTP_HOST") a.smtp_host = e.value;
        else if (e.key == "SMTP_PORT") a.smtp_port = std::stoi(e.value);  // validated by Config::load
        else if (e.key == "SMTP_USER") a.smtp_user = e.value;
        else if (e.key == "SMTP_PASS") a.smtp_password = e.value;
        else if (e.key == "SMTP_FROM") a.smtp_from = e.value;
        else if (e.key == "SMTP_TO") {
            a.smtp_to.clear();
            std::stringstream list(e.value);
            for (std::string to; std::getline(list, to, ',');) {
                const auto first = to.find_first_not_of(' '), last = to.find_last_not_of(' ');
                if (first != std::string::npos) a.smtp_to.push_back(to.substr(first, last - first + 1));
            }
        }
    }
}

}  // namespace aaiti::stack
