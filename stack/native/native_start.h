#pragma once
// Everything `aaitictl up --runtime native` does before the supervisor runs: the secrets (made on first use),
// the programs, the plan, the ports (all free, or an error naming the one taken), the state directory and
// the rendered configs. Errors surface here, in the user's terminal, even when the supervisor is then
// detached.
#include <string>
#include <vector>

#include "stack/native/native_plan.h"
#include "stack/native/supervisor.h"

namespace aaiti::stack::native {

struct NativeStartRequest {
    Stack stack;
    std::string stack_file;           // "" for the built-in defaults
    std::vector<Profile> profiles;    // empty: the embedded default
    std::string state_dir;            // absolute
    std::string self_exe;             // aaitictl, to find our binaries and run the scheduled backup
    std::chrono::milliseconds failover_after{30000};
    // The configuration keys the user set that reach the services (StackSettings::passed).
    std::vector<ConfigEntry> settings;
};

struct PreparedStart {
    NativePlan plan;
    SupervisorOptions options;
    std::vector<std::string> notes;  // what was made on the way ("made secrets/jwt_secret"), for the user
};

PreparedStart prepare_native_start(const NativeStartRequest& request);

// `aaitictl restart NAME` of a process with a rendered configuration (haproxy, prometheus, alertmanager):
// its files made again from `request` (the stack file read anew, the caller's settings), so the restart
// picks up a new certificate, alert receiver or rule. HAProxy's file is checked with `haproxy -c` before it
// replaces the running one. Throws ConfigError for a file HAProxy refuses (the running one stays), and
// OperationFailed when the process's ports differ from `running_ports` (the supervisor checks and probes the
// ports it planned at `up`: that needs down and up). Returns the files written (none for other processes).
std::vector<std::string> render_process_config(const NativeStartRequest& request, const std::string& process,
                                               const std::vector<int>& running_ports);

// The secrets the native stack reads, from the stack's secrets_dir; the missing ones are made (random,
// mode 0600) and named in `created`.
NativeSecrets ensure_native_secrets(const Stack& stack, bool uses_postgres, std::vector<std::string>& created);

// `dir` can be entered by `user` (every ancestor searchable by it), else ConfigError naming the ancestor
// that stops it and how to fix that: PostgreSQL refuses to start in a directory it cannot reach.
void require_reachable_by(const std::string& dir, const std::string& user);

}  // namespace aaiti::stack::native
