#pragma once
// The native supervisor: runs a NativePlan as local processes. Starts each once its dependencies are
// healthy (independent ones in parallel), runs one-time setup (initdb, pg_basebackup), restarts crashes with
// back-off, restarts a process that stops answering its probe, promotes the replica when the primary stays
// down (failover), runs the scheduled backup, keeps every process's log, publishes its state for `ps`, and on
// SIGTERM/SIGINT stops everything in reverse order (SIGTERM, then SIGKILL to the group after a timeout).
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "stack/native/native_plan.h"
#include "stack/native/supervisor_state.h"

namespace aaiti::stack::native {

struct SupervisorOptions {
    StateLayout layout;
    std::string stack_file;
    std::vector<std::string> profile_names;
    bool echo_logs = false;  // foreground `up`: every line on stdout as "auth-1    | ..."
    bool color = false;      // colour the prefixes (a terminal without NO_COLOR)
    std::chrono::milliseconds start_timeout{120000};  // a process not healthy by then fails the start
    std::chrono::milliseconds failover_after{30000};  // primary down this long with a healthy replica: promote; 0: never
    std::chrono::milliseconds liveness_timeout{10000}; // a started process failing its probe this long is restarted
    int metrics_port = 0;                              // 0: no /metrics
    std::string aaitictl;                              // runs the scheduled backup
    std::map<std::string, std::string> backup_env;     // BACKUP_REPOSITORY, BACKUP_KEY_FILE, ...
    std::vector<std::string> prune_args;               // "--keep-daily", "7", ...
    std::string database_password;                     // for promotion and the backup's URL
};

class Supervisor {
public:
    Supervisor(NativePlan plan, SupervisorOptions options);
    ~Supervisor();

    // Called once, the first time every process is healthy (foreground `up` prints the table and URLs).
    std::function<void(const SupervisorState&)> on_all_healthy;

    // Runs until SIGTERM/SIGINT (or a start that fails), then stops everything. Returns 0 after a clean
    // stop, 1 when the start failed (the state file says why). Blocks SIGCHLD/SIGTERM/SIGINT/SIGHUP in the
    // calling thread: call it from the main thread before any other thread exists.
    int run();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace aaiti::stack::native
