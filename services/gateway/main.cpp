// aaiti-gateway: flags in, one Gateway, run until SIGTERM/SIGINT. Everything else is the library.
#include <CLI/CLI.hpp>

#include <iostream>

#include "common/config.h"
#include "common/error.h"
#include "common/logging.h"
#include "services/gateway/gateway.h"

int main(int argc, char** argv) {
    using namespace aaiti;
    CLI::App app{"aaiti-gateway: the API gateway (routing, load balancing, health checks, JWT, rate limits)"};
    std::string listen = "127.0.0.1:3000";
    std::vector<std::string> routes;
    std::string balance = "round-robin";
    unsigned threads = 0;
    std::string config_file, log_level, log_format, health_interval = "2s", health_path = "/ready";
    bool no_access_log = false;
    app.add_option("--listen", listen, "HOST:PORT to listen on")->capture_default_str();
    app.add_option("--route", routes,
                   "PREFIX=URL[,URL...][;public][;unlimited]; repeatable; replaces the *_SERVICE_URL routes "
                   "(public: no token needed; unlimited: no rate limit)");
    app.add_option("--balance", balance, "round-robin|least-conn")->capture_default_str();
    app.add_option("--threads", threads, "I/O threads (0: one per core)")->capture_default_str();
    app.add_option("--health-interval", health_interval, "how often each upstream's health path is probed (250ms, 2s, ...)")
        ->capture_default_str();
    app.add_option("--health-path", health_path,
                   "the path each upstream is probed on (readiness; an upstream answering 404 there is probed on /health)")
        ->capture_default_str();
    app.add_option("--config", config_file, "stack file (default ./aaiti.yaml when present)");
    app.add_option("--log-level", log_level, "trace|debug|info|warn|error|critical|off (LOG_LEVEL)");
    app.add_option("--log-format", log_format, "text|json (LOG_FORMAT; services default to json)");
    app.add_flag("--no-access-log", no_access_log, "no line per request (benchmarks only)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : exit_code::k_usage;
    }
    try {
        ConfigLoadOptions load;
        load.stack_file = config_file;
        if (!log_level.empty()) load.flags["LOG_LEVEL"] = {log_level, "--log-level"};
        if (!log_format.empty()) load.flags["LOG_FORMAT"] = {log_format, "--log-format"};
        Config config = Config::load(load);
        // A service logs JSON lines unless told otherwise on the command line or in the environment.
        const ConfigEntry* fmt = config.entry("LOG_FORMAT");
        const bool json = !fmt || fmt->source == ConfigSource::default_value || fmt->value == "json";
        logging::setup({logging::parse_level(config.get_or("LOG_LEVEL", "info")), json ? logging::Format::json : logging::Format::text, true});

        gateway::GatewayOptions options = gateway::options_from_config(config);
        auto address = kit::parse_listen_address(listen);
        options.server.host = address.host;
        options.server.port = address.port;
        options.server.threads = threads;
        options.server.access_log = !no_access_log;
        options.balance = gateway::parse_balance(balance);
        try {
            options.health_interval = parse_duration(health_interval);
        } catch (const std::invalid_argument&) {
            throw UsageError("--health-interval \"" + health_interval + "\" is not a duration; use e.g. 500ms, 2s, 1m");
        }
        options.health_path = health_path;
        if (!routes.empty()) {
            options.routes.clear();
            for (const auto& r : routes) options.routes.push_back(gateway::parse_route(r));
        }
        gateway::Gateway gw(std::move(options));
        return gw.run();
    } catch (const Error& e) {
        logging::error(e.what());
        return e.exit_code();
    } catch (const std::exception& e) {
        logging::error(e.what());
        return exit_code::k_failed;
    }
}
