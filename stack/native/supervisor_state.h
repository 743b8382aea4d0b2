#pragma once
// What a running supervisor publishes in <state dir>/state.json (rewritten atomically on every change) and
// `aaitictl ps`, `up --detach`, `restart` and `db promote` read back. The JSON shape is part of the API.
#include <optional>
#include <string>
#include <vector>

namespace aaiti::stack::native {

// not_ready: alive (it answers its liveness probe) but failing its readiness probe (its database is
// gone, say): shown, waited for by what depends on it, never restarted for it.
enum class Health { starting, healthy, unhealthy, unavailable, not_ready };
std::string to_string(Health health);

struct ProcessStatus {
    std::string name;
    int pid = 0;             // 0 when not running
    int port = 0;            // the main port (the first listened on)
    Health health = Health::starting;
    int restarts = 0;        // restarts after a crash or a failed liveness check
    std::string detail;      // why it is not healthy ("exited with status 1; restarting in 4 s"), or a role
    std::vector<int> ports;  // every port it listens on (state.json only, not `ps -o json`)
};

// A configuration key the user set that every service got (stack/stack_settings.h), as `ps` shows it.
struct SettingStatus {
    std::string key;
    std::string value;   // display value: secrets "****", passwords in URLs masked
    std::string source;  // "flag", "environment" or "stack_file"
    std::string origin;  // "environment RATE_LIMIT_MAX", "aaiti.yaml:12 (gateway.rate_limit.max)"
};

struct SupervisorState {
    enum class Phase { starting, running, failed, stopping };
    Phase phase = Phase::starting;
    std::string message;          // for `failed`: what went wrong, naming the process
    int supervisor_pid = 0;
    std::string stack_file;
    std::vector<std::string> profiles;
    std::string started_at;       // UTC ISO 8601
    long long healthy_after_ms = -1;  // from start to every process healthy; -1 until then
    std::vector<ProcessStatus> services;
    std::string database_primary;     // "postgres", or "postgres-replica" after a failover/promotion; empty: SQLite
    std::string failover;             // "promoted postgres-replica at 2026-...: postgres down for 30 s"; empty if none
    std::string backup_schedule;
    std::string backup_next_run;
    std::string backup_last_success;
    std::string backup_last_result;
    std::vector<SettingStatus> settings;  // what the services got from the user's configuration

    std::string to_json() const;
    static SupervisorState from_json(const std::string& text);  // throws DataError naming the problem
};

std::string to_string(SupervisorState::Phase phase);

// {"services":[{"name","pid","port","health","restarts","detail"}]}: `aaitictl ps -o json`.
std::string services_json(const std::vector<ProcessStatus>& services);

// [{"key","value","source","origin"}]: the "settings" of `aaitictl ps -o json`.
std::string settings_json(const std::vector<SettingStatus>& settings);

// Writes via a temporary file and rename, so a reader never sees half a file.
void write_state_file(const std::string& path, const SupervisorState& state);
std::optional<SupervisorState> read_state_file(const std::string& path);  // nullopt when missing

}  // namespace aaiti::stack::native
