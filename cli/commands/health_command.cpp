#include "commands/health_command.h"

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <ctime>
#include <iostream>
#include <map>
#include <optional>
#include <thread>

#include "common/error.h"
#include "common/logging.h"
#include "common/stack_database.h"
#include "health_server.h"
#include "health_settings.h"
#include "healthcheck/alert_dispatcher.h"
#include "healthcheck/probe_metrics.h"
#include "healthcheck/report.h"
#include "healthcheck/state_file.h"
#include "table.h"

namespace aaiti::cli {
namespace {

// How long a --once run waits at the end for alerts still being delivered (retries included).
constexpr std::chrono::seconds k_alert_drain_limit{60};

std::atomic<bool> g_stop{false};
void request_stop(int) { g_stop.store(true); }

class HealthCommand final : public Command {
public:
    void add_to(CLI::App& parent) override {
        command_ = parent.add_subcommand("health", "Probe HTTP, PostgreSQL, Redis and TCP targets; incidents and alerts");
        command_->footer(std::string("Exit status: 0 every target up, 1 otherwise, 64 bad flags/URL/condition; with --nagios "
                                     "0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. ") + k_global_options_footer);
        auto& f = flags_;
        command_->add_option("--target", f.targets, "A target NAME=URL (http, https, postgresql, redis, tcp); repeatable")
            ->type_name("NAME=URL");
        command_->add_option("--stack", f.stack_file, "Also probe what this stack runs (as aaitictl ps shows it), else its planned services, PostgreSQL and Redis")
            ->type_name("FILE");
        command_->add_option("--password-file", f.password_file,
                             "The --stack's PostgreSQL password (default: DB_PASSWORD_FILE, DB_PASSWORD, the stack's secrets/db_password)")
            ->type_name("FILE");
        command_->add_option("--from-gateway", f.from_gateway, "Also probe every upstream of this gateway's /services")
            ->type_name("URL");
        command_->add_option("--condition", f.conditions, "'NAME: SUBJECT OP VALUE', e.g. 'api: status == 200'; repeatable")
            ->type_name("COND");
        auto* once = command_->add_flag("--once", f.once, "Probe once and exit (the default)");
        auto* watch = command_->add_flag("--watch", f.watch, "Probe every --interval until SIGINT/SIGTERM");
        once->excludes(watch);
        command_->add_option("--interval", f.interval, "Time between rounds with --watch")->capture_default_str()->type_name("DURATION");
        command_->add_option("--timeout", f.timeout, "Bound of each probe, connect included")->capture_default_str()->type_name("DURATION");
        command_->add_option("--failure-threshold", f.failure_threshold, "Consecutive failures that make a target unhealthy")
            ->capture_default_str()->type_name("N");
        command_->add_option("--success-threshold", f.success_threshold, "Consecutive successes that make it healthy again")
            ->capture_default_str()->type_name("N");
        command_->add_option("--reminder", f.reminder, "Repeat the alert this often while an incident lasts (0: never)")
            ->capture_default_str()->type_name("DURATION");
        command_->add_option("--state", f.state_file, "Keep incident state in this JSON file across runs")->type_name("FILE");
        command_->add_option("--serve", f.serve, "With --watch: serve /metrics, /state and /report at this address")
            ->type_name("HOST:PORT");
        command_->add_flag("--nagios", f.nagios, "Nagios plugin output and exit codes (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)");
        command_->add_option("--webhook", f.webhooks, "Also POST alerts as JSON to this URL; repeatable")->type_name("URL");
        command_->add_option("--alert-attempts", f.alert_attempts, "Delivery attempts per alert and receiver")
            ->check(CLI::Range(1, 20))->capture_default_str()->type_name("N");
        command_->add_option("--alert-backoff", f.alert_backoff, "Wait before the first retry, doubled each retry")
            ->capture_default_str()->type_name("DURATION");
    }

    bool chosen() const override { return command_->parsed(); }

    int run(const GlobalOptions& globals) override {
        if (!flags_.nagios) return run_checks(globals);
        // A Nagios plugin reports its own trouble as UNKNOWN on stdout.
        try {
            return run_checks(globals);
        } catch (const Error& e) {
            std::cout << "HEALTH UNKNOWN - " << e.what() << '\n';
            return 3;
        }
    }

private:
    int run_checks(const GlobalOptions& globals) {
        // --stack names the stack file the configuration (DB_*, REDIS_URL, alerts.*) comes from too,
        // unless --config names another.
        GlobalOptions effective = globals;
        if (effective.config_file.empty()) effective.config_file = flags_.stack_file;
        const Config config = load_config(effective);
        const health::ProbePlan plan = health_plan(flags_, config, &missing_password_);
        const health::Thresholds thresholds = health_thresholds(flags_);
        const auto interval = flag_duration("--interval", flags_.interval);
        if (interval.count() <= 0) throw UsageError("health: --interval must be positive");
        health::DispatchOptions dispatch;
        dispatch.attempts = flags_.alert_attempts;
        dispatch.first_backoff = flag_duration("--alert-backoff", flags_.alert_backoff);
        watch_ = flags_.watch || !flags_.serve.empty();
        const bool watch = watch_;
        if (!flags_.serve.empty() && flags_.once) throw UsageError("health: --serve runs with --watch, not --once");

        health::HealthState state = flags_.state_file.empty() ? health::HealthState{} : health::load_state(flags_.state_file);
        std::optional<HealthServer> server;
        if (!flags_.serve.empty()) {
            server.emplace(flags_.serve);
            logging::info("serving health results", {{"url", server->base_url()}});
        }
        health::AlertDispatcher dispatcher(
            health::make_alert_channels(health_alert_settings(flags_, config), std::chrono::seconds(10)), dispatch,
            server ? &server->registry() : nullptr);

        if (!watch) {
            const int code = run_round(globals, plan, thresholds, state, dispatcher, server);
            if (!dispatcher.drain(k_alert_drain_limit))
                logging::warn("alert delivery still running at exit; giving up on it");
            return code;
        }

        g_stop.store(false);
        std::signal(SIGINT, request_stop);
        std::signal(SIGTERM, request_stop);
        int code = exit_code::k_ok;
        while (!g_stop.load()) {
            const auto started = std::chrono::steady_clock::now();
            code = run_round(globals, plan, thresholds, state, dispatcher, server);
            while (!g_stop.load() && std::chrono::steady_clock::now() - started < interval)
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        std::signal(SIGINT, SIG_DFL);
        std::signal(SIGTERM, SIG_DFL);
        dispatcher.drain(std::chrono::seconds(5));
        return code;
    }

    int run_round(const GlobalOptions& globals, const health::ProbePlan& plan, const health::Thresholds& thresholds,
                  health::HealthState& state, health::AlertDispatcher& dispatcher, std::optional<HealthServer>& server) {
        auto results = health::run_probe_round(plan);
        // libpq's bare "fe_sendauth: no password supplied" says nothing of where a password was looked for.
        for (auto& r : results)
            if (const auto why = missing_password_.find(r.target);
                why != missing_password_.end() && !r.connected && is_missing_password_error(r.error))
                r.error = why->second;
        const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
        for (const auto& event : health::apply_round(state, results, thresholds, now)) {
            logging::warn(event.kind == health::AlertKind::recovery ? "target recovered" : "target unhealthy",
                          {{"target", event.target}, {"event", std::string(to_string(event.kind))}, {"cause", event.cause}});
            dispatcher.submit(event);
        }
        // Saved before output: a closed stdout must not lose an incident (or re-alert next run).
        if (!flags_.state_file.empty()) health::save_state(flags_.state_file, state);

        const health::RoundView view{plan.targets, results, state, now};
        if (server) {
            health::export_probe_metrics(server->registry(), results, state);
            server->publish(health::state_to_json(state), health::report_json(view));
        }
        if (flags_.nagios) {
            const auto nagios = health::nagios_result(view);
            std::cout << nagios.line << std::endl;
            return nagios.code;
        }
        if (globals.output == OutputFormat::json) {
            std::cout << health::report_json(view) << std::endl;
        } else {
            print_table(std::cout, Table{health::report_table_header(), health::report_table_rows(view)}, stdout_color(globals));
            if (watch_) std::cout << std::endl;  // rounds apart
        }
        return health::report_exit_code(view);
    }

    CLI::App* command_ = nullptr;
    HealthFlags flags_;
    std::map<std::string, std::string> missing_password_;  // by target: when --stack found no password
    bool watch_ = false;
};

}  // namespace

std::unique_ptr<Command> make_health_command() { return std::make_unique<HealthCommand>(); }

}  // namespace aaiti::cli
