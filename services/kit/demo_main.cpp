// aaiti-demo: the smallest service on the kit. GET /hello returns a fixed JSON body (the same bytes
// nginx serves in bench/kit_vs_nginx.sh), GET /bytes/{n} n bytes (a download for the proxies'
// benchmark, at most 64 MiB), plus the kit's /health, /ready and /metrics.
#include <CLI/CLI.hpp>

#include <charconv>
#include <iostream>

#include "common/error.h"
#include "common/logging.h"
#include "services/kit/server.h"

namespace {
constexpr const char* k_hello_body = R"({"message":"hello from aaiti","service":"aaiti-demo"})";
constexpr std::size_t k_max_download = 64 * 1024 * 1024;

aaiti::kit::Response download(const aaiti::kit::Request& req) {
    std::size_t n = 0;
    const std::string_view text = req.param("n");
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end != text.data() + text.size() || n > k_max_download)
        return aaiti::kit::error_response(400, "bad_request", "GET /bytes/{n}: n is a byte count up to 67108864", req.request_id);
    aaiti::kit::Response res;
    res.content_type = "application/octet-stream";
    res.body.assign(n, 'x');
    return res;
}
}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"aaiti-demo: a tiny HTTP service on the aaiti kit (GET /hello, /bytes/{n}, /health, /ready, /metrics)"};
    std::string listen = "127.0.0.1:3000";
    unsigned threads = 0;
    bool no_access_log = false;
    std::string log_level = "info";
    app.add_option("--listen", listen, "HOST:PORT to listen on (port 0: any free port)")->capture_default_str();
    app.add_option("--threads", threads, "I/O threads (0: one per core)")->capture_default_str();
    app.add_flag("--no-access-log", no_access_log, "do not log one line per request (benchmarks only)");
    app.add_option("--log-level", log_level, "trace|debug|info|warn|error|critical|off")->capture_default_str();
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : aaiti::exit_code::k_usage;
    }

    try {
        aaiti::logging::setup({aaiti::logging::parse_level(log_level), aaiti::logging::Format::json, true});
        auto address = aaiti::kit::parse_listen_address(listen);
        aaiti::kit::ServerOptions options;
        options.host = address.host;
        options.port = address.port;
        options.threads = threads;
        options.access_log = !no_access_log;

        aaiti::kit::Server server(options);
        server.get("/hello", [](const aaiti::kit::Request&) { return aaiti::kit::Response::json(200, k_hello_body); });
        server.get("/bytes/{n}", download);
        server.start();
        const std::string base = server.base_url();
        aaiti::logging::info("aaiti-demo listening; try: curl " + base + "/hello  (also /health /ready /metrics)",
                             {{"url", base},
                              {"hello", base + "/hello"},
                              {"health", base + "/health"},
                              {"ready", base + "/ready"},
                              {"metrics", base + "/metrics"},
                              {"threads", server.options().threads}});
        return server.run();
    } catch (const aaiti::Error& e) {
        aaiti::logging::error(e.what());
        return e.exit_code();
    } catch (const std::exception& e) {
        aaiti::logging::error(e.what());
        return aaiti::exit_code::k_failed;
    }
}
