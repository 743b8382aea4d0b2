#pragma once
// What `up`, `down`, `ps`, `logs`, `restart` and `db promote` share: which stack file, which state
// directory, and how the services table looks.
#include <chrono>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "global_options.h"
#include "stack/native/native_plan.h"
#include "stack/native/supervisor_state.h"
#include "stack/stack_model.h"
#include "stack/stack_settings.h"

namespace CLI {
class App;
}

namespace aaiti::cli {

// --state-dir on a verb that acts on a running stack (down, ps, logs, restart).
void add_state_dir_option(CLI::App& command, std::string& state_dir);

struct StackRuntimeContext {
    std::string stack_file;           // absolute; empty when the built-in defaults are used
    stack::Stack stack;
    stack::native::StateLayout layout;
};

// The stack file is --config, else ./aaiti.yaml, else the built-in defaults (said on stderr, as `verb: ...`,
// unless `verb` is empty); the state directory is `state_dir` if given, else .aaiti beside the stack file (or in
// the current directory). Every verb that reads the stack file finds it this way.
StackRuntimeContext load_stack_runtime(const GlobalOptions& globals, const std::string& state_dir, const std::string& verb = "");

// The user's configuration as it reaches the stack (stack/stack_settings.h): the environment and the stack
// file's flat keys (not aaitictl's own --log-level/--log-format), with the alert receivers overlaid on
// `context.stack`. Prints a warning per wired key set in the environment on stderr as `verb: ...`, unless
// `verb` is empty. Throws ConfigError for a bad value (RATE_LIMIT_MAX=abc), naming it and where it came from.
stack::StackSettings apply_user_configuration(StackRuntimeContext& context, const std::string& verb);

// "a, b, c" for messages.
std::string join(const std::vector<std::string>& items, const std::string& separator = ", ");

// When the stack in this state directory was started with --runtime docker: the `docker compose` command
// line that addresses it (project and file), to which down/ps/logs/restart append their verb; else nullopt.
std::optional<std::vector<std::string>> docker_compose_base(const StackRuntimeContext& context);
// Remembers that the stack runs under Docker (`base` as above), or forgets it (empty).
void remember_docker_runtime(const StackRuntimeContext& context, const std::vector<std::string>& base);
// Runs argv with our stdin/stdout/stderr and returns its exit status (127 when it cannot be run).
int run_attached(const std::vector<std::string>& argv);

// NAME PID PORT HEALTH RESTARTS DETAIL, health coloured when `color`.
void print_services_table(std::ostream& out, const std::vector<stack::native::ProcessStatus>& services, bool color);

// Waits until `done(state)` holds for the state file, or the supervisor has gone, or `timeout` passes;
// returns the last state seen (nullopt if there never was one).
std::optional<stack::native::SupervisorState> wait_for_state(const stack::native::StateLayout& layout,
                                                             const std::function<bool(const stack::native::SupervisorState&)>& done,
                                                             std::chrono::milliseconds timeout, bool supervisor_must_live = true);

}  // namespace aaiti::cli
