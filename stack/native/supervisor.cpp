#include "stack/native/supervisor.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <poll.h>
#include <pwd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>

#include "common/error.h"
#include "common/time_text.h"
#include "stack/cron_schedule.h"
#include "stack/native/child_process.h"
#include "stack/native/database_status.h"
#include "stack/native/log_file.h"
#include "stack/native/metrics_listener.h"
#include "stack/native/probe_runner.h"
#include "stack/native/supervisor_control.h"

namespace aaiti::stack::native {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int k_crashes_before_giving_up = 3;  // while starting: a process that keeps dying fails `up`
constexpr auto k_max_backoff = 30s;
constexpr auto k_stable_after = 60s;           // healthy this long: the back-off starts over

std::string utc_text(std::chrono::system_clock::time_point t) {
    return format_utc(std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

std::string utc_now_text() { return utc_text(std::chrono::system_clock::now()); }

std::string describe_exit(int status) {
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return std::string("killed by signal ") + ::strsignal(WTERMSIG(status));
    return "stopped";
}

void write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n <= 0) return;  // a full disk must not stop the supervisor
        done += static_cast<std::size_t>(n);
    }
}

// One process of the plan and everything the loop knows about it.
struct Managed {
    enum class Phase { waiting, setup, running, backoff, stopping, stopped, retired, failed };

    ProcessSpec spec;
    Phase phase = Phase::waiting;
    pid_t pid = 0;
    int out_fd = -1;
    std::string partial;  // an incomplete output line
    std::unique_ptr<LogFile> log;
    std::size_t setup_index = 0;
    int restarts = 0;
    int crashes_in_a_row = 0;
    bool bootstrapped = false;      // after_first_healthy has run
    bool healthy = false;           // answering its (readiness) probe now
    bool live = false;              // answering its liveness probe now (only with spec.liveness_probe)
    bool live_since_start = false;  // has answered it since this start
    bool answered_since_start = false;
    bool ever_healthy = false;
    bool restart_after_stop = false;
    Clock::time_point started_at{}, next_start{}, unhealthy_since{}, stop_deadline{}, healthy_since{}, not_live_since{};
    std::string detail;
    std::unique_ptr<ProbeRunner> probe;
    std::unique_ptr<ProbeRunner> liveness;  // spec.liveness_probe's runner

    bool alive() const { return pid > 0; }
    Health health() const {
        switch (phase) {
        case Phase::waiting:
        case Phase::setup: return Health::starting;
        case Phase::running:
            if (healthy) return Health::healthy;
            if (liveness && live) return answered_since_start ? Health::not_ready : Health::starting;
            return answered_since_start || live_since_start ? Health::unhealthy : Health::starting;
        default: return Health::unhealthy;
        }
    }
};

// The scheduled backup: `aaitictl backup create`, then `backup prune` with the stack's retention.
struct BackupJob {
    std::optional<CronSchedule> schedule;
    std::chrono::system_clock::time_point next_run{};
    pid_t pid = 0;
    int out_fd = -1;
    std::string partial;
    std::unique_ptr<LogFile> log;
    enum class Step { list, create, prune } step = Step::create;
    std::string listing;  // `backup list -o json` output, read at start
    std::optional<std::chrono::system_clock::time_point> last_success;
    std::string last_result;
};

// The newest complete backup's finish time in `backup list -o json` output; nullopt if none.
std::optional<std::chrono::system_clock::time_point> newest_complete_backup(const std::string& listing) {
    const auto j = nlohmann::json::parse(listing, nullptr, false);
    if (j.is_discarded() || !j.contains("backups")) return std::nullopt;
    std::optional<std::chrono::system_clock::time_point> newest;
    for (const auto& b : j["backups"]) {
        if (b.value("state", "") != "complete" || !b.contains("finished_at")) continue;
        std::tm tm{};
        if (!::strptime(b["finished_at"].get<std::string>().c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) continue;
        const auto t = std::chrono::system_clock::from_time_t(::timegm(&tm));
        if (!newest || t > *newest) newest = t;
    }
    return newest;
}

}  // namespace

struct Supervisor::Impl {
    NativePlan plan;
    SupervisorOptions options;
    std::vector<Managed> processes;
    BackupJob backup;
    int signal_fd = -1;
    int control_fd = -1;
    std::string control_pending;
    std::optional<MetricsListener> metrics;
    std::unique_ptr<LogFile> all_log;
    std::size_t name_width = 8;
    SupervisorState state;
    std::string last_written;
    Clock::time_point started{};
    std::chrono::system_clock::time_point started_wall = std::chrono::system_clock::now();
    bool all_healthy_once = false;
    bool stop_requested = false;
    bool start_failed = false;
    std::string primary_name;  // the process serving writes now
    Clock::time_point primary_down_since{};
    int failovers = 0;
    std::vector<std::string> to_repoint;  // services still to restart against the new primary
    std::string repointing;               // the one restarting now
    std::function<void(const SupervisorState&)>* on_all_healthy = nullptr;

    Impl(NativePlan p, SupervisorOptions o) : plan(std::move(p)), options(std::move(o)) {}

    // ---- logging -------------------------------------------------------------------------------
    std::string prefix(const std::string& name) const {
        std::string padded = name;
        padded.resize(std::max(name_width, name.size()), ' ');
        if (!options.color) return padded + " | ";
        static const int k_palette[] = {36, 32, 33, 35, 34, 96, 92, 93, 95, 94};
        const int color = k_palette[std::hash<std::string>{}(name) % std::size(k_palette)];
        return "\033[" + std::to_string(color) + "m" + padded + " |\033[0m ";
    }

    void emit_line(const std::string& name, LogFile* own_log, const std::string& line) {
        if (own_log) own_log->write(line + "\n");
        std::string plain = name;
        plain.resize(std::max(name_width, name.size()), ' ');
        all_log->write(plain + " | " + line + "\n");
        if (options.echo_logs) std::cout << prefix(name) << line << '\n' << std::flush;
    }

    void say(const std::string& message) {
        // Detached, stderr is logs/supervisor.log; in the foreground the user's terminal.
        std::cerr << (options.echo_logs ? prefix("aaitictl") : utc_now_text() + " ") << message << '\n' << std::flush;
        std::string plain = "aaitictl";
        plain.resize(std::max(name_width, plain.size()), ' ');
        all_log->write(plain + " | " + message + "\n");
    }

    // Reads what is there; returns false at end of file.
    bool pump(const std::string& name, int fd, std::string& partial, LogFile* own_log) {
        char buf[8192];
        for (;;) {
            const ssize_t n = ::read(fd, buf, sizeof buf);
            if (n > 0) {
                partial.append(buf, static_cast<std::size_t>(n));
                std::size_t nl;
                while ((nl = partial.find('\n')) != std::string::npos) {
                    emit_line(name, own_log, partial.substr(0, nl));
                    partial.erase(0, nl + 1);
                }
                if (partial.size() > 65536) emit_line(name, own_log, std::exchange(partial, {}));
                continue;
            }
            if (n == 0) {
                if (!partial.empty()) emit_line(name, own_log, std::exchange(partial, {}));
                return false;
            }
            return errno == EAGAIN || errno == EINTR;
        }
    }

    // ---- starting ------------------------------------------------------------------------------
    Managed* find(const std::string& name) {
        for (auto& m : processes)
            if (m.spec.name == name) return &m;
        return nullptr;
    }

    bool dependencies_healthy(const Managed& m) {
        for (const auto& dep : m.spec.depends_on) {
            const Managed* d = find(dep);
            if (d && d->health() != Health::healthy) return false;
        }
        return true;
    }

    void launch(Managed& m, const Command& command) {
        const StartedChild child = start_child(command, "");
        m.pid = child.pid;
        m.out_fd = child.output_fd;
    }

    void begin(Managed& m) {
        while (m.setup_index < m.spec.setup.size() && fs::exists(m.spec.setup[m.setup_index].done_marker)) ++m.setup_index;
        if (m.setup_index < m.spec.setup.size()) {
            const SetupStep& step = m.spec.setup[m.setup_index];
            say(m.spec.name + ": " + step.description);
            prepare_parent_of(fs::path(step.done_marker).parent_path(), step.command.run_as);
            m.phase = Managed::Phase::setup;
            m.detail = step.description;
            if (!step.input_file.empty()) write_input_file(step);
            launch(m, step.command);
            return;
        }
        start_main(m);
    }

    // The data directory a step creates must not exist yet (initdb, pg_basebackup want to make it), but its
    // parent must, owned by the user the step runs as.
    static void prepare_parent_of(const fs::path& dir, const std::string& run_as) {
        fs::create_directories(dir.parent_path());
        if (!run_as.empty()) chown_to(dir.parent_path(), run_as);
    }

    static void chown_to(const fs::path& path, const std::string& user);

    static void write_input_file(const SetupStep& step) {
        const int fd = ::open(step.input_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) throw IoError("up: cannot write " + step.input_file + ": " + std::strerror(errno));
        write_all(fd, step.input_text);
        ::close(fd);
        if (!step.command.run_as.empty()) chown_to(step.input_file, step.command.run_as);
    }

    void start_main(Managed& m) {
        m.phase = Managed::Phase::running;
        m.healthy = false;
        m.answered_since_start = false;
        m.live = m.live_since_start = false;
        m.started_at = Clock::now();
        m.detail.clear();
        launch(m, m.spec.command);
        if (!m.probe) m.probe = std::make_unique<ProbeRunner>(m.spec.probe);
        m.probe->hurry();
        if (m.spec.liveness_probe) {
            if (!m.liveness) m.liveness = std::make_unique<ProbeRunner>(*m.spec.liveness_probe);
            m.liveness->hurry();
        }
    }

    void fail_start(const std::string& message) {
        if (start_failed) return;
        start_failed = true;
        state.phase = SupervisorState::Phase::failed;
        state.message = message;
        say("start failed: " + message);
        stop_requested = true;
    }

    // ---- exits ---------------------------------------------------------------------------------
    void on_exit(Managed& m, int status) {
        if (m.out_fd >= 0) {
            pump(m.spec.name, m.out_fd, m.partial, m.log.get());
            ::close(m.out_fd);
            m.out_fd = -1;
        }
        const pid_t pgid = m.pid;
        m.pid = 0;
        signal_group(pgid, SIGKILL);  // whatever it forked and left behind
        const std::string how = describe_exit(status);

        if (m.phase == Managed::Phase::setup) {
            const SetupStep& finished = m.spec.setup[m.setup_index];
            if (!finished.input_file.empty()) fs::remove(finished.input_file);
            if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                ++m.setup_index;
                if (!stop_requested) begin(m);
                return;
            }
            const std::string what = m.spec.name + ": " + m.spec.setup[m.setup_index].description + " " + how + "; see " +
                                     options.layout.logs() + "/" + m.spec.name + ".log";
            m.phase = Managed::Phase::failed;
            m.detail = m.spec.setup[m.setup_index].description + " " + how;
            if (!all_healthy_once) fail_start(what);
            else say(what);
            return;
        }
        if (m.phase == Managed::Phase::stopping) {
            if (m.restart_after_stop && !stop_requested) {
                m.restart_after_stop = false;
                say(m.spec.name + ": restarting");
                start_main(m);
            } else {
                m.phase = Managed::Phase::stopped;
            }
            return;
        }
        if (m.phase == Managed::Phase::retired || stop_requested) return;

        ++m.restarts;
        ++m.crashes_in_a_row;
        if (!m.ever_healthy && m.crashes_in_a_row >= k_crashes_before_giving_up) {
            m.phase = Managed::Phase::failed;
            m.detail = how + " " + std::to_string(m.crashes_in_a_row) + " times before becoming healthy";
            fail_start(m.spec.name + " " + m.detail + "; see " + options.layout.logs() + "/" + m.spec.name + ".log");
            return;
        }
        const auto delay = std::min<std::chrono::milliseconds>(k_max_backoff, 1000ms * (1 << std::min(m.crashes_in_a_row - 1, 5)));
        m.phase = Managed::Phase::backoff;
        m.next_start = Clock::now() + delay;
        m.detail = how + "; restarting in " + std::to_string(delay.count() / 1000) + " s";
        say(m.spec.name + " " + m.detail);
    }

    void reap() {
        for (;;) {
            int status = 0;
            const pid_t pid = ::waitpid(-1, &status, WNOHANG);
            if (pid <= 0) return;
            if (pid == backup.pid) {
                on_backup_exit(status);
                continue;
            }
            for (auto& m : processes)
                if (m.pid == pid) {
                    on_exit(m, status);
                    break;
                }
        }
    }

    // ---- health --------------------------------------------------------------------------------
    void request_stop(Managed& m, bool restart) {
        if (!m.alive()) {
            if (restart && !stop_requested) start_main(m);
            return;
        }
        if (m.phase != Managed::Phase::retired) m.phase = Managed::Phase::stopping;
        m.restart_after_stop = restart;
        m.stop_deadline = Clock::now() + m.spec.stop_timeout;
        signal_group(m.pid, m.spec.stop_signal);
    }

    bool failover_possible(const Managed& m) const {
        return options.failover_after.count() > 0 && m.spec.name == primary_name && plan.profiles.replica;
    }

    void watch(Managed& m) {
        const auto now = Clock::now();
        if (m.phase == Managed::Phase::stopping || (m.phase == Managed::Phase::retired && m.alive())) {
            if (m.alive() && now > m.stop_deadline) {
                say(m.spec.name + ": did not stop in time; SIGKILL");
                signal_group(m.pid, SIGKILL);
                m.stop_deadline = now + 10s;
            }
            return;
        }
        if (m.phase == Managed::Phase::waiting) {
            if (dependencies_healthy(m)) begin(m);
            return;
        }
        if (m.phase == Managed::Phase::backoff) {
            if (now >= m.next_start) start_main(m);
            return;
        }
        if (m.phase != Managed::Phase::running) return;
        if (m.liveness && watch_liveness(m, now)) return;

        const ProbeRunner::Result r = m.probe->latest();
        if (r.at <= m.started_at) return;  // nothing probed since this start yet
        if (r.ok) {
            if (!m.bootstrapped && m.spec.after_first_healthy) {
                try {
                    m.spec.after_first_healthy();
                } catch (const std::exception& e) {
                    m.detail = e.what();
                    if (!all_healthy_once) fail_start(m.spec.name + ": " + e.what());
                    return;
                }
            }
            m.bootstrapped = true;
            if (!m.healthy) {
                if (m.answered_since_start) say(m.spec.name + ": healthy again");
                m.healthy_since = now;
            }
            m.healthy = m.ever_healthy = m.answered_since_start = true;
            m.detail.clear();
            if (now - m.healthy_since > k_stable_after) m.crashes_in_a_row = 0;
            return;
        }
        if (m.healthy && r.consecutive_failures >= 3) {
            m.healthy = false;
            m.unhealthy_since = now;
            m.detail = r.detail;
            say(m.spec.name + (m.liveness && m.live ? ": not ready, alive (" : ": unhealthy (") + r.detail + ")");
        }
        if (!m.healthy) m.detail = m.liveness && m.live ? "not ready: " + r.detail : r.detail;
        if (m.liveness) {
            // Readiness alone never restarts (watch_liveness does that); a first start that never gets
            // ready still fails `up`.
            if (!all_healthy_once && !m.answered_since_start && now - m.started_at >= options.start_timeout)
                fail_start(m.spec.name + " did not become ready within " + std::to_string(options.start_timeout.count() / 1000) +
                           " s (" + r.detail + "); see " + options.layout.logs() + "/" + m.spec.name + ".log");
            return;
        }
        const bool was_healthy = m.answered_since_start;
        const auto since = was_healthy ? m.unhealthy_since : m.started_at;
        const auto limit = was_healthy ? options.liveness_timeout : options.start_timeout;
        if (now - since < limit || failover_possible(m)) return;
        if (!all_healthy_once && !was_healthy) {
            fail_start(m.spec.name + " did not become healthy within " + std::to_string(limit.count() / 1000) + " s (" + r.detail +
                       "); see " + options.layout.logs() + "/" + m.spec.name + ".log");
            return;
        }
        ++m.restarts;
        say(m.spec.name + ": no answer for " + std::to_string(limit.count() / 1000) + " s (" + r.detail + "); restarting it");
        request_stop(m, true);
    }

    // A process with a liveness probe of its own is restarted on that probe only: not answering it for
    // liveness_timeout (after it has answered), or never within start_timeout. True when it was.
    bool watch_liveness(Managed& m, Clock::time_point now) {
        const ProbeRunner::Result l = m.liveness->latest();
        if (l.at <= m.started_at) return false;  // not probed since this start yet
        if (l.ok) {
            m.live = m.live_since_start = true;
            return false;
        }
        if (m.live && l.consecutive_failures >= 3) {
            m.live = false;
            m.not_live_since = now;
            say(m.spec.name + ": not alive (" + l.detail + ")");
        }
        if (m.live) return false;
        const bool was_live = m.live_since_start;
        const auto since = was_live ? m.not_live_since : m.started_at;
        const auto limit = was_live ? options.liveness_timeout : options.start_timeout;
        if (now - since < limit || failover_possible(m)) return false;
        if (!all_healthy_once && !was_live) {
            fail_start(m.spec.name + " did not answer " + m.spec.liveness_probe->path + " within " +
                       std::to_string(limit.count() / 1000) + " s (" + l.detail + "); see " + options.layout.logs() + "/" +
                       m.spec.name + ".log");
            return true;
        }
        ++m.restarts;
        m.detail = l.detail;
        say(m.spec.name + ": no answer for " + std::to_string(limit.count() / 1000) + " s (" + l.detail + "); restarting it");
        request_stop(m, true);
        return true;
    }

    // ---- failover ------------------------------------------------------------------------------
    Managed* replica() {
        for (auto& m : processes)
            if (m.spec.is_database_replica && m.spec.name != primary_name) return &m;
        return nullptr;
    }

    void watch_primary() {
        Managed* primary = find(primary_name);
        Managed* standby = replica();
        if (!primary || !standby || options.failover_after.count() == 0 || !all_healthy_once) return;
        if (primary->health() == Health::healthy) {
            primary_down_since = {};
            return;
        }
        const auto now = Clock::now();
        if (primary_down_since == Clock::time_point{}) primary_down_since = now;
        if (now - primary_down_since < options.failover_after || standby->health() != Health::healthy) return;
        promote("failover: " + primary_name + " down for " +
                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now - primary_down_since).count()) + " s");
    }

    // Makes the replica the primary: promote it, retire the old primary (never restarted, so there are never
    // two primaries), and restart every process that writes to the database with its URL pointed at the new one.
    std::string promote(const std::string& reason) {
        Managed* old_primary = find(primary_name);
        Managed* standby = replica();
        if (!standby) return "no replica to promote";
        if (standby->health() != Health::healthy) return standby->spec.name + " is not healthy";
        say("promoting " + standby->spec.name + " (" + reason + ")");
        try {
            promote_replica({standby->spec.name, standby->spec.probe.port},
                            {plan.stack.database.user, options.database_password, plan.stack.database.name});
        } catch (const std::exception& e) {
            say(std::string("promotion failed: ") + e.what());
            return e.what();
        }
        if (old_primary) {
            old_primary->phase = Managed::Phase::retired;
            old_primary->detail = "retired: " + standby->spec.name + " was promoted at " + utc_now_text();
            if (old_primary->alive()) {
                old_primary->stop_deadline = Clock::now() + 2s;
                signal_group(old_primary->pid, SIGKILL);  // it may be hung or stopped: no graceful path
            }
        }
        standby->spec.is_database_replica = false;
        standby->spec.is_database_primary = true;
        primary_name = standby->spec.name;
        write_primary_node(options.layout, primary_name);
        primary_down_since = {};
        ++failovers;
        state.failover = "promoted " + primary_name + " at " + utc_now_text() + " (" + reason + ")";
        const std::string url = database_url(plan.stack, standby->spec.probe.port, options.database_password);
        for (auto& m : processes)
            if (m.spec.command.env.count("WRITE_DB_URL")) {
                m.spec.command.env["WRITE_DB_URL"] = url;
                m.spec.command.env["READ_DB_URL"] = url;
                to_repoint.push_back(m.spec.name);
            }
        say(state.failover);
        return {};
    }

    // Restarts the services that write to the database one at a time, each once the previous is healthy
    // again, so the gateway always has an instance to send requests to.
    void roll_repoint() {
        if (!repointing.empty()) {
            const Managed* m = find(repointing);
            if (m && m->health() != Health::healthy) return;
            repointing.clear();
        }
        if (to_repoint.empty()) return;
        repointing = to_repoint.front();
        to_repoint.erase(to_repoint.begin());
        if (Managed* m = find(repointing)) {
            say(m->spec.name + ": now writing to " + primary_name + "; restarting it");
            request_stop(*m, true);
        }
    }

    // ---- control requests ----------------------------------------------------------------------
    void handle_request(const std::string& line) {
        if (line == "stop") {
            stop_requested = true;
        } else if (line.rfind("restart ", 0) == 0) {
            Managed* m = find(line.substr(8));
            if (!m || m->phase == Managed::Phase::retired) return;
            say(m->spec.name + ": restart requested");
            if (m->phase == Managed::Phase::backoff || m->phase == Managed::Phase::stopped) start_main(*m);
            else request_stop(*m, true);
        } else if (line == "promote") {
            const std::string error = promote("requested by aaitictl db promote");
            if (!error.empty()) state.message = "promote: " + error;
        }
    }

    // ---- the scheduled backup ------------------------------------------------------------------
    void schedule_backup() {
        if (plan.backup_schedule.empty()) return;
        backup.schedule = CronSchedule::parse(plan.backup_schedule);
        backup.next_run = backup.schedule->next_after(std::chrono::system_clock::now());
        backup.log = std::make_unique<LogFile>(options.layout.logs() + "/backup.log");
        state.backup_schedule = plan.backup_schedule;
        state.backup_next_run = utc_text(backup.next_run);
        // What the repository already holds, so the backup-age metric is right from the start.
        run_backup_step(BackupJob::Step::list);
    }

    void run_backup_step(BackupJob::Step step) {
        Command c;
        c.argv = {options.aaitictl, "backup"};
        if (step == BackupJob::Step::list) c.argv.insert(c.argv.end(), {"list", "-o", "json"});
        if (step == BackupJob::Step::create) c.argv.insert(c.argv.end(), {"create", "--label", "scheduled", "--no-progress"});
        if (step == BackupJob::Step::prune) {
            c.argv.push_back("prune");
            c.argv.insert(c.argv.end(), options.prune_args.begin(), options.prune_args.end());
        }
        c.env = options.backup_env;
        const Managed* primary = find(primary_name);
        if (primary) c.env["WRITE_DB_URL"] = database_url(plan.stack, primary->spec.probe.port, options.database_password);
        const StartedChild child = start_child(c, "");
        backup.pid = child.pid;
        backup.out_fd = child.output_fd;
        backup.step = step;
    }

    void drain_backup_output() {
        if (backup.step != BackupJob::Step::list) {
            pump("backup", backup.out_fd, backup.partial, backup.log.get());
            return;
        }
        char buf[8192];
        ssize_t n;
        while ((n = ::read(backup.out_fd, buf, sizeof buf)) > 0) backup.listing.append(buf, static_cast<std::size_t>(n));
    }

    void watch_backup() {
        if (!backup.schedule || backup.pid > 0 || !all_healthy_once) return;
        const auto now = std::chrono::system_clock::now();
        if (now < backup.next_run) return;
        backup.next_run = backup.schedule->next_after(now);
        state.backup_next_run = utc_text(backup.next_run);
        say("backup: starting the scheduled backup");
        run_backup_step(BackupJob::Step::create);
    }

    void on_backup_exit(int status) {
        if (backup.out_fd >= 0) {
            drain_backup_output();
            ::close(backup.out_fd);
            backup.out_fd = -1;
        }
        backup.pid = 0;
        const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (backup.step == BackupJob::Step::list) {
            if (!backup.last_success) backup.last_success = newest_complete_backup(backup.listing);
            if (backup.last_success) state.backup_last_success = utc_text(*backup.last_success);
            backup.listing.clear();
            return;
        }
        const std::string step = backup.step == BackupJob::Step::prune ? "prune" : "backup";
        backup.last_result = step + " " + (ok ? "succeeded" : describe_exit(status)) + " at " + utc_now_text();
        state.backup_last_result = backup.last_result;
        say("backup: " + backup.last_result);
        if (backup.step == BackupJob::Step::create && ok) {
            backup.last_success = std::chrono::system_clock::now();
            state.backup_last_success = utc_text(*backup.last_success);
            if (!options.prune_args.empty() && !stop_requested) run_backup_step(BackupJob::Step::prune);
        }
    }

    // ---- state ---------------------------------------------------------------------------------
    void publish() {
        state.services.clear();
        for (const auto& m : processes) {
            ProcessStatus s;
            s.name = m.spec.name;
            s.pid = m.phase == Managed::Phase::setup ? 0 : m.pid;
            s.port = m.spec.ports.empty() ? 0 : m.spec.ports.front();
            s.health = m.health();
            s.restarts = m.restarts;
            s.detail = m.detail;
            s.ports = m.spec.ports;
            if (m.spec.is_database_primary && m.phase != Managed::Phase::retired && s.detail.empty()) s.detail = "primary";
            if (m.spec.is_database_replica && s.detail.empty()) s.detail = "replica";
            state.services.push_back(s);
        }
        for (const auto& u : plan.unavailable) state.services.push_back({u.name, 0, u.port, Health::unavailable, 0, u.reason, {}});
        state.database_primary = plan.uses_postgres ? primary_name : "";
        const std::string text = state.to_json();
        if (text == last_written) return;
        write_state_file(options.layout.state_file(), state);
        last_written = text;
    }

    bool everything_healthy() const {
        for (const auto& m : processes)
            if (m.health() != Health::healthy) return false;
        return true;
    }

    std::string metrics_text() const {
        std::string out =
            "# HELP aaiti_supervisor_process_up 1 when the process answers its health probe.\n"
            "# TYPE aaiti_supervisor_process_up gauge\n";
        for (const auto& m : processes)
            out += "aaiti_supervisor_process_up{process=\"" + m.spec.name + "\"} " + (m.health() == Health::healthy ? "1" : "0") + "\n";
        out += "# HELP aaiti_supervisor_process_restarts_total Restarts after a crash or a failed liveness check.\n"
               "# TYPE aaiti_supervisor_process_restarts_total counter\n";
        for (const auto& m : processes)
            out += "aaiti_supervisor_process_restarts_total{process=\"" + m.spec.name + "\"} " + std::to_string(m.restarts) + "\n";
        out += "# HELP aaiti_supervisor_failovers_total Promotions of the replica.\n"
               "# TYPE aaiti_supervisor_failovers_total counter\n"
               "aaiti_supervisor_failovers_total " + std::to_string(failovers) + "\n";
        if (backup.schedule) {
            // With no backup in the repository yet: when the supervisor started, so BackupTooOld still fires
            // when none succeeds within backup_max_age (an absent series would never fire).
            const auto at = backup.last_success.value_or(started_wall);
            const auto secs = std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
            out += "# HELP aaiti_backup_last_success_timestamp_seconds The newest complete backup in the repository (or the supervisor's start if none).\n"
                   "# TYPE aaiti_backup_last_success_timestamp_seconds gauge\n"
                   "aaiti_backup_last_success_timestamp_seconds " + std::to_string(secs) + "\n";
        }
        return out;
    }

    // ---- the loop ------------------------------------------------------------------------------
    void setup_signals() {
        sigset_t set;
        sigemptyset(&set);
        for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, s);
        if (::pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) throw IoError("up: cannot block signals");
        signal_fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
        if (signal_fd < 0) throw IoError(std::string("up: signalfd: ") + std::strerror(errno));
        ::signal(SIGPIPE, SIG_IGN);  // a child that exits before reading its stdin must not kill us
    }

    void read_signals() {
        signalfd_siginfo info;
        while (::read(signal_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
            if (info.ssi_signo != SIGCHLD && !stop_requested) {
                say(std::string("stopping (") + ::strsignal(static_cast<int>(info.ssi_signo)) + ")");
                stop_requested = true;
            }
        }
    }

    void poll_once(std::chrono::milliseconds timeout) {
        std::vector<pollfd> fds;
        fds.push_back({signal_fd, POLLIN, 0});
        if (control_fd >= 0) fds.push_back({control_fd, POLLIN, 0});
        if (metrics) fds.push_back({metrics->fd(), POLLIN, 0});
        for (const auto& m : processes)
            if (m.out_fd >= 0) fds.push_back({m.out_fd, POLLIN, 0});
        if (backup.out_fd >= 0) fds.push_back({backup.out_fd, POLLIN, 0});
        ::poll(fds.data(), fds.size(), static_cast<int>(timeout.count()));
        for (auto& m : processes)
            if (m.out_fd >= 0) pump(m.spec.name, m.out_fd, m.partial, m.log.get());
        if (backup.out_fd >= 0) drain_backup_output();
        read_signals();
        reap();
        if (control_fd >= 0)
            for (const auto& line : read_control_requests(control_fd, control_pending)) handle_request(line);
        if (metrics) metrics->serve_pending([this] { return metrics_text(); });
    }

    void stop_everything() {
        state.phase = start_failed ? SupervisorState::Phase::failed : SupervisorState::Phase::stopping;
        publish();
        if (backup.pid > 0) signal_group(backup.pid, SIGTERM);
        for (auto it = processes.rbegin(); it != processes.rend(); ++it) {
            Managed& m = *it;
            if (!m.alive()) continue;
            m.restart_after_stop = false;
            if (m.phase != Managed::Phase::retired) m.phase = Managed::Phase::stopping;
            m.stop_deadline = Clock::now() + m.spec.stop_timeout;
            signal_group(m.pid, m.spec.stop_signal);
            while (m.alive()) {
                poll_once(50ms);
                if (m.alive() && Clock::now() > m.stop_deadline) {
                    say(m.spec.name + ": did not stop within " + std::to_string(m.spec.stop_timeout.count() / 1000) + " s; SIGKILL");
                    signal_group(m.pid, SIGKILL);
                    m.stop_deadline = Clock::now() + 10s;
                }
            }
            publish();
        }
        while (backup.pid > 0) poll_once(50ms);
    }

    int run() {
        setup_signals();
        started = Clock::now();
        fs::create_directories(options.layout.logs());
        fs::create_directories(options.layout.data());
        all_log = std::make_unique<LogFile>(options.layout.logs() + "/all.log");
        for (const auto& spec : plan.processes) {
            Managed m;
            m.spec = spec;
            m.log = std::make_unique<LogFile>(options.layout.logs() + "/" + spec.name + ".log");
            name_width = std::max(name_width, spec.name.size());
            if (spec.is_database_primary) primary_name = spec.name;
            processes.push_back(std::move(m));
        }
        control_fd = open_control_fifo(options.layout.control_fifo());
        if (options.metrics_port > 0) metrics.emplace(options.metrics_port);
        state.supervisor_pid = static_cast<int>(::getpid());
        state.stack_file = options.stack_file;
        state.profiles = options.profile_names;
        state.started_at = utc_now_text();
        for (const auto& e : plan.passed_settings)
            state.settings.push_back({e.key, e.display_value(), std::string(aaiti::to_string(e.source)), e.origin});
        schedule_backup();
        say("starting " + std::to_string(processes.size()) + " processes (state in " + options.layout.root + ")");

        while (!stop_requested) {
            for (auto& m : processes) {
                watch(m);
                if (stop_requested) break;
            }
            if (!stop_requested && !all_healthy_once && everything_healthy()) {
                all_healthy_once = true;
                state.phase = SupervisorState::Phase::running;
                state.healthy_after_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
                say("every process is healthy (" + std::to_string(state.healthy_after_ms) + " ms)");
                publish();
                if (on_all_healthy && *on_all_healthy) (*on_all_healthy)(state);
            }
            watch_primary();
            roll_repoint();
            watch_backup();
            publish();
            // Probe results arrive on other threads without waking the loop: look often while starting.
            if (!stop_requested) poll_once(all_healthy_once ? 100ms : 20ms);
        }
        stop_everything();
        say(start_failed ? "stopped after a failed start" : "stopped");
        publish();
        return start_failed ? 1 : 0;
    }
};

void Supervisor::Impl::chown_to(const fs::path& path, const std::string& user) {
    const passwd* pw = ::getpwnam(user.c_str());
    if (!pw) throw IoError("up: no such user \"" + user + "\"");
    if (::chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0)
        throw IoError("up: cannot give " + path.string() + " to " + user + ": " + std::strerror(errno));
}

Supervisor::Supervisor(NativePlan plan, SupervisorOptions options) : impl_(std::make_unique<Impl>(std::move(plan), std::move(options))) {
    impl_->on_all_healthy = &on_all_healthy;
}

Supervisor::~Supervisor() = default;

int Supervisor::run() { return impl_->run(); }

}  // namespace aaiti::stack::native
