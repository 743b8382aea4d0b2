// aaiti-auth: parses the command line and calls services/auth (serve, or the set-role admin command).
#include <CLI/CLI.hpp>

#include <iostream>

#include "common/error.h"
#include "common/logging.h"
#include "services/auth/auth_service.h"

int main(int argc, char** argv) {
    CLI::App app{"aaiti-auth: accounts, passwords, sessions and JWTs for aaiti (see man aaiti-auth)"};
    aaiti::auth::ServeOptions serve;
    aaiti::auth::SetRoleOptions set_role;
    auto add_common = [](CLI::App& on, aaiti::auth::CommonOptions& o) {
        on.add_option("--config", o.config_file, "stack file (default: ./aaiti.yaml if present)");
        on.add_option("--log-level", o.log_level, "trace|debug|info|warn|error|critical|off (default: LOG_LEVEL)");
        on.add_option("--log-format", o.log_format, "json|text (default: json)");
    };
    add_common(app, serve);
    app.add_option("--listen", serve.listen, "HOST:PORT to listen on (port 0: any free port)")->capture_default_str();
    app.add_option("--threads", serve.threads, "I/O threads (0: one per core)")->capture_default_str();
    auto* role_cmd = app.add_subcommand("set-role", "set a user's role (applies migrations, revokes their sessions, audits)");
    add_common(*role_cmd, set_role);
    role_cmd->add_option("--username", set_role.username, "the account")->required();
    role_cmd->add_option("--role", set_role.role, "user|admin")->required();
    role_cmd->add_option("--password-file", set_role.password_file,
                         "PostgreSQL password (default: DB_PASSWORD_FILE, DB_PASSWORD, WRITE_DB_URL's, the stack's secrets/db_password)");
    role_cmd->add_option("--state-dir", set_role.state_dir, "the running stack's state directory (default: .aaiti beside the stack file)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : aaiti::exit_code::k_usage;
    }
    try {
        return role_cmd->parsed() ? aaiti::auth::set_role_command(set_role) : aaiti::auth::serve(serve);
    } catch (const aaiti::Error& e) {
        std::cerr << "aaiti-auth: " << e.what() << "\n";
        return e.exit_code();
    } catch (const std::exception& e) {
        std::cerr << "aaiti-auth: " << e.what() << "\n";
        return aaiti::exit_code::k_failed;
    }
}
