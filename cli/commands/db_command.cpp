#include "commands/db_command.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/stack_database.h"
#include "stack/native/database_status.h"
#include "stack/native/supervisor_control.h"
#include "stack_runtime.h"
#include "table.h"

namespace aaiti::cli {
namespace {

namespace fs = std::filesystem;
namespace native = stack::native;

// Long enough for a loaded machine, short enough that a hung node does not stall the command.
constexpr std::chrono::seconds k_connect_timeout{3};

// The password as every verb finds it (common/stack_database.h): DB_PASSWORD_FILE, DB_PASSWORD, the stack's
// secrets/db_password (what `up` initialises the cluster with); none for trust or peer setups.
std::string database_password(const GlobalOptions& globals) {
    StackDatabaseRequest request;
    request.password_flag.clear();
    return find_stack_database(load_config(globals), request).password;
}

// The stack's two PostgreSQL nodes; the replica is listed even without the replica profile, so its
// absence shows as "down" rather than as nothing.
std::vector<native::DatabaseNode> database_nodes(const stack::Stack& stack) {
    return {{"postgres", stack.database.port}, {"postgres-replica", stack.database.replica_port}};
}

// 1536 -> "1.5 KiB": lag is read at a glance.
std::string format_bytes(long long bytes) {
    if (bytes < 1024) return std::to_string(bytes) + " B";
    const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(bytes);
    int unit = -1;
    while (value >= 1024 && unit < 3) {
        value /= 1024;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.1f %s", value, units[unit]);
    return text;
}

std::string format_lag(const native::DatabaseNodeStatus& s) {
    if (!s.lag_bytes && !s.replay_lag_seconds) return "-";
    std::string text = s.lag_bytes ? format_bytes(*s.lag_bytes) : "? B";
    char seconds[32];
    if (s.replay_lag_seconds) std::snprintf(seconds, sizeof seconds, ", %.1f s", *s.replay_lag_seconds);
    return text + (s.replay_lag_seconds ? seconds : ", ? s");
}

std::string format_state(const native::DatabaseNodeStatus& s) {
    if (!s.reachable) return "down";
    if (s.role != "primary") return "up";
    std::string text = "up, " + std::to_string(s.replicas_streaming.size()) + " streaming";
    // An idle slot keeps WAL on the primary's disk for a replica that is not reading it: worth a glance.
    for (const auto& slot : s.slots) {
        if (slot.wal_status == "lost")
            text += ", slot " + slot.name + " lost (its replica must be copied afresh)";
        else if (!slot.active)
            text += ", slot " + slot.name + " idle" + (slot.retained_bytes ? " holding " + format_bytes(*slot.retained_bytes) : "");
    }
    return text;
}

nlohmann::json slots_json(const native::DatabaseNodeStatus& s) {
    using nlohmann::json;
    if (s.role != "primary") return nullptr;
    json slots = json::array();
    for (const auto& slot : s.slots)
        slots.push_back({{"name", slot.name},
                         {"active", slot.active},
                         {"wal_status", slot.wal_status},
                         {"retained_bytes", slot.retained_bytes ? json(*slot.retained_bytes) : json(nullptr)}});
    return slots;
}

nlohmann::json node_json(const native::DatabaseNodeStatus& s) {
    using nlohmann::json;
    json replicas = nullptr;
    if (s.role == "primary") replicas = s.replicas_streaming;
    return {{"name", s.name},
            {"port", s.port},
            {"reachable", s.reachable},
            {"role", s.reachable ? json(s.role) : json(nullptr)},
            {"error", s.reachable ? json(nullptr) : json(s.error)},
            {"lag_seconds", s.replay_lag_seconds ? json(*s.replay_lag_seconds) : json(nullptr)},
            {"lag_bytes", s.lag_bytes ? json(*s.lag_bytes) : json(nullptr)},
            {"replicas", replicas},
            {"slots", slots_json(s)}};
}

class DbCommand final : public Command {
public:
    void add_to(CLI::App& parent) override {
        command_ = parent.add_subcommand("db", "The stack's PostgreSQL primary and replica");
        command_->footer(k_global_options_footer);
        command_->require_subcommand(1);
        status_ = command_->add_subcommand("status", "Role, reachability and replication lag of each PostgreSQL node");
        status_->footer(k_global_options_footer);
        promote_ = command_->add_subcommand("promote", "Make the replica the primary (the supervisor repoints the services)");
        promote_->footer(std::string("Exit codes: 0 promoted, 1 the promotion failed, 69 no replica is reachable. ") + k_global_options_footer);
        promote_->add_option("--state-dir", state_dir_, "The running stack's state directory (default: .aaiti beside the stack file)")
            ->type_name("DIR");
    }

    bool chosen() const override { return command_->parsed(); }

    int run(const GlobalOptions& globals) override {
        return promote_->parsed() ? run_db_promote_command(globals, state_dir_) : run_db_status_command(globals);
    }

private:
    CLI::App* command_ = nullptr;
    CLI::App* status_ = nullptr;
    CLI::App* promote_ = nullptr;
    std::string state_dir_;
};

}  // namespace

int run_db_status_command(const GlobalOptions& globals) {
    const stack::Stack stack = load_stack_runtime(globals, "").stack;
    const native::DatabaseCredentials credentials{stack.database.user, database_password(globals), stack.database.name};
    const auto statuses = native::database_status(database_nodes(stack), credentials, k_connect_timeout);

    bool primary_up = false;
    for (const auto& s : statuses) {
        primary_up = primary_up || (s.reachable && s.role == "primary");
        if (!s.reachable) std::cerr << "db status: " << s.error << '\n';
    }
    if (globals.output == OutputFormat::json) {
        nlohmann::json nodes = nlohmann::json::array();
        for (const auto& s : statuses) nodes.push_back(node_json(s));
        std::cout << nlohmann::json{{"nodes", nodes}}.dump() << '\n';
    } else {
        Table table{{"NODE", "PORT", "ROLE", "STATE", "LAG"}, {}};
        for (const auto& s : statuses)
            table.rows.push_back({s.name, std::to_string(s.port), s.role.empty() ? "-" : s.role, format_state(s), format_lag(s)});
        print_table(std::cout, table, stdout_color(globals));
    }
    if (!primary_up) {
        std::cerr << "db status: no PostgreSQL primary is reachable\n";
        return exit_code::k_unavailable;
    }
    return exit_code::k_ok;
}

int run_db_promote_command(const GlobalOptions& globals, const std::string& state_dir) {
    const StackRuntimeContext ctx = load_stack_runtime(globals, state_dir);
    const native::DatabaseCredentials credentials{ctx.stack.database.user, database_password(globals), ctx.stack.database.name};
    std::string promoted;
    if (native::running_supervisor(ctx.layout.lock_file())) {
        // The supervisor promotes, retires the old primary and restarts the services against the new one.
        const auto before = native::read_state_file(ctx.layout.state_file());
        const std::string old_primary = before ? before->database_primary : "";
        bool has_replica = false;
        if (before)
            for (const auto& p : before->services) has_replica = has_replica || p.detail == "replica";
        if (!has_replica) throw UnavailableError("db promote: the running stack has no healthy replica to promote (start it with --profile replica or production)");
        if (!native::send_control_request(ctx.layout.control_fifo(), "promote"))
            throw UnavailableError("db promote: the supervisor does not read its requests (" + ctx.layout.control_fifo() + ")");
        const auto after = wait_for_state(
            ctx.layout,
            [&](const native::SupervisorState& s) { return s.database_primary != old_primary || s.message.rfind("promote:", 0) == 0; },
            std::chrono::seconds(90));
        if (!after || after->database_primary == old_primary)
            throw OperationFailed("db " + (after && !after->message.empty() ? after->message : std::string("promote: nothing changed; see aaitictl logs")));
        promoted = after->database_primary;
        // The supervisor restarts the services one by one against the new primary: wait until they are back.
        wait_for_state(
            ctx.layout,
            [](const native::SupervisorState& s) {
                for (const auto& p : s.services)
                    if (p.health != native::Health::healthy && p.health != native::Health::unavailable && p.detail.rfind("retired", 0) != 0)
                        return false;
                return true;
            },
            std::chrono::seconds(60));
    } else {
        // No supervisor (Docker, or servers run by someone else): promote whichever node is a replica.
        for (const auto& s : native::database_status(database_nodes(ctx.stack), credentials, k_connect_timeout))
            if (s.reachable && s.role == "replica") {
                native::promote_replica({s.name, s.port}, credentials);
                promoted = s.name;
                break;
            }
        if (promoted.empty()) throw UnavailableError("db promote: no reachable replica on ports " + std::to_string(ctx.stack.database.port) +
                                                     " or " + std::to_string(ctx.stack.database.replica_port));
        std::cerr << "db promote: no supervisor runs this stack: point the services' WRITE_DB_URL at " << promoted << " yourself\n";
    }
    if (globals.output == OutputFormat::json) std::cout << nlohmann::json{{"primary", promoted}}.dump() << '\n';
    else std::cout << promoted << " is the primary\n";
    return exit_code::k_ok;
}

std::unique_ptr<Command> make_db_command() { return std::make_unique<DbCommand>(); }

}  // namespace aaiti::cli
