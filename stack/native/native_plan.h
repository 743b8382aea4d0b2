#pragma once
// What `aaitictl up --runtime native` runs: the stack model turned into local processes on 127.0.0.1,
// each with its command, environment, ports, health probe, dependencies and one-time setup. Pure data:
// the supervisor (supervisor.h) runs a plan, tests read one, and nothing here starts anything.
#include <chrono>
#include <csignal>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/config.h"
#include "stack/renderers.h"
#include "stack/stack_model.h"

namespace aaiti::stack::native {

enum class ProbeKind { http, redis, postgres };

struct HealthProbe {
    ProbeKind kind = ProbeKind::http;
    int port = 0;
    std::string path;      // http only
    std::string password;  // redis only: sent with AUTH before PING (requirepass); empty: none
};

// A program to run. `env` is the whole environment: nothing of the caller's shell leaks in (a stray http_proxy
// would otherwise change what the stack does) but the configuration keys the user set, which the plan passes
// to the services on purpose (stack/stack_settings.h).
struct Command {
    std::vector<std::string> argv;  // argv[0] is an absolute path
    std::map<std::string, std::string> env;
    std::string run_as;             // a user name when the supervisor runs as root and the program refuses to; else empty
};

// A command run to completion once, before the first start, unless `done_marker` exists (initdb,
// pg_basebackup). Its output goes to the process's log.
struct SetupStep {
    std::string description;  // "initdb", "pg_basebackup from postgres"
    Command command;
    std::string done_marker;
    // A file the step reads (initdb's --pwfile), written just before it runs (mode 0600, owned by its user)
    // and removed when it ends, so the password never sits on a command line or stays on disk.
    std::string input_file;
    std::string input_text;
};

struct ProcessSpec {
    std::string name;                     // "postgres", "auth-1", "gateway", ...; also its log file's name
    Command command;
    std::vector<int> ports;               // every port it listens on, checked free before anything starts
    std::vector<std::string> port_keys;   // the stack file key of each port, for messages ("services.auth.port")
    // Readiness: the process is healthy while this passes, and what depends on it starts once it does.
    HealthProbe probe;
    // Liveness, when it is not `probe`: a process that fails only `probe` is shown not_ready and left
    // alone (restarting a process whose database is down, or that is busy, only makes it worse); one
    // that fails this for the liveness timeout is restarted. Empty: `probe` is both.
    std::optional<HealthProbe> liveness_probe;
    std::vector<std::string> depends_on;  // started once all of these are healthy
    std::vector<SetupStep> setup;
    // Runs (on the supervisor's thread) the first time the probe passes; the process counts as healthy
    // only once it has returned. Throws to fail the start (e.g. creating the database and the replication role).
    std::function<void()> after_first_healthy;
    int stop_signal = SIGTERM;            // PostgreSQL: SIGINT (fast shutdown; SIGTERM would wait for clients)
    std::chrono::milliseconds stop_timeout{10000};  // then SIGKILL to its process group
    bool is_database_primary = false;     // failover watches it
    bool is_database_replica = false;     // failover promotes it
};

// Part of the stack that has no native form (Grafana, Jaeger, the seed's services shipped only as images).
struct UnavailableComponent {
    std::string name;
    int port = 0;
    std::string reason;
};

// The state directory's layout (`.aaiti/` beside the stack file by default).
struct StateLayout {
    std::string root;
    std::string logs() const { return root + "/logs"; }
    std::string config() const { return root + "/config"; }    // rendered haproxy.cfg, prometheus.yml, ...
    std::string data() const { return root + "/data"; }        // SQLite files, Redis, Prometheus, Alertmanager
    std::string postgres() const { return root + "/postgres"; }  // primary/ and replica/, owned by the PostgreSQL user
    std::string state_file() const { return root + "/state.json"; }
    std::string lock_file() const { return root + "/supervisor.lock"; }
    std::string control_fifo() const { return root + "/control"; }
};

// Where the programs are; found by tools.h, overridable in tests.
struct Toolchain {
    std::string aaitictl;       // for the scheduled backup
    std::string auth;           // aaiti-auth
    std::string gateway;        // aaiti-gateway
    std::string postgres_bin;   // /usr/lib/postgresql/15/bin
    std::string redis_server;
    std::string haproxy;
    std::string prometheus;
    std::string alertmanager;   // prometheus-alertmanager on Debian
    std::string postgres_user;  // the unprivileged OS user PostgreSQL runs as when we are root; empty: as us
};

// Secrets the native stack needs, read from the stack's secrets_dir (made there on first `up` if missing).
struct NativeSecrets {
    std::string db_password;
    std::string replication_password;
    std::string jwt_secret_file;  // path, handed to the services as JWT_SECRET_FILE
    std::string redis_password;   // Redis's requirepass; its clients get it in REDIS_URL
};

struct NativePlan {
    Stack stack;                 // the stack as it really runs: only natively runnable services, replica counts applied
    ProfileSelection profiles;
    bool uses_postgres = false;  // false: the embedded default (SQLite)
    int primary_port = 0;        // the database node taking writes at start
    std::vector<ProcessSpec> processes;        // in a valid start order
    std::vector<UnavailableComponent> unavailable;
    std::vector<GeneratedFile> config_files;   // relative to StateLayout::config()
    // The scheduled backup (empty schedule: none): `aaitictl backup` against the current primary.
    std::string backup_schedule;
    // The user's configuration keys every service got (stack_settings()), for `ps`; values as given (show
    // them with display_value()).
    std::vector<ConfigEntry> passed_settings;
};

// `settings`: the configuration keys the user set (StackSettings::passed), given to every service process:
// those from the environment or a flag after services.<name>.environment, those from the stack file before it.
NativePlan plan_native_stack(const Stack& stack, const ProfileSelection& profiles, const StateLayout& layout,
                             const Toolchain& tools, const NativeSecrets& secrets, const std::vector<ConfigEntry>& settings = {});

// Which database node is the primary ("postgres" or "postgres-replica"), kept in the state directory so a
// promotion outlives the run; "postgres" when never promoted.
std::string primary_node_file(const StateLayout& layout);
std::string read_primary_node(const StateLayout& layout);
void write_primary_node(const StateLayout& layout, const std::string& name);

// The URL the services write to; `port` is the current primary's (it changes after a failover).
std::string database_url(const Stack& stack, int port, const std::string& password);

// redis://:PASSWORD@127.0.0.1:PORT (percent-encoded), or without the credentials when `password` is empty.
std::string redis_url(int port, const std::string& password);

}  // namespace aaiti::stack::native
