#include "tests/auth/edge_processes.h"

#include <fstream>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/support/network.h"

namespace aaiti::test::auth {

namespace {

// Polls `url` until it answers 200, failing the test with the process's stderr when it exits or
// the deadline passes.
void wait_until_answers(HttpClient& http, const std::string& url, ChildProcess& child, const std::string& what) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
        if (!child.running()) FAIL(what << " exited at start:\n" << child.err());
        try {
            if (http.get(url).status == 200) return;
        } catch (const std::exception&) {  // not listening yet
        }
        if (std::chrono::steady_clock::now() > deadline) FAIL(what << " never became ready:\n" << child.err());
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

}  // namespace

GatewayProcess::GatewayProcess(const std::string& auth_url, std::vector<std::pair<std::string, std::string>> env) {
    port_ = free_loopback_port();
    ProcessOptions options;
    options.env = std::move(env);
    options.inherit_environment = false;
    child_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{binary_path("aaiti-gateway"), "--listen", "127.0.0.1:" + std::to_string(port_), "--threads", "2",
                                 "--route", "/api/auth=" + auth_url, "--health-interval", "250ms"},
        options);
    wait_until_answers(http_, base_url() + "/health/services", *child_, "aaiti-gateway");
}

Reply GatewayProcess::call(const std::string& method, const std::string& path, const std::string& body, const std::string& token) {
    return json_request(http_, base_url(), method, path, body, token);
}

Reply GatewayProcess::call(const std::string& method, const std::string& path, const nlohmann::json& body, const std::string& token) {
    return call(method, path, body.dump(), token);
}

HaproxyProcess::HaproxyProcess(int backend_port) {
    port_ = free_loopback_port();
    const std::string config = (dir_.path() / "haproxy.cfg").string();
    std::ofstream(config) << "global\n  maxconn 256\n"
                             "defaults\n  mode http\n  option forwardfor\n  timeout connect 2s\n  timeout client 30s\n"
                             "  timeout server 30s\n"
                             "frontend edge\n  bind 127.0.0.1:"
                          << port_ << "\n  default_backend gateway\n"
                          << "backend gateway\n  server gateway-1 127.0.0.1:" << backend_port << "\n";
    child_ = std::make_unique<ChildProcess>(std::vector<std::string>{"haproxy", "-db", "-f", config}, ProcessOptions{});
    HttpClient http;
    wait_until_answers(http, base_url() + "/health", *child_, "haproxy");
}

HaproxyProcess::~HaproxyProcess() {
    if (child_) child_->stop();
}

Reply ClientAt::call(const std::string& method, const std::string& path, const nlohmann::json& body, const std::string& token,
                     const HttpHeaders& headers) {
    HttpRequest request;
    request.method = method;
    request.url = base_url_ + path;
    request.source_address = source_;
    request.headers = headers;
    if (!body.is_null()) {
        request.body = body.dump();
        request.headers.push_back({"Content-Type", "application/json"});
    }
    if (!token.empty()) request.headers.push_back({"Authorization", "Bearer " + token});
    return send_for_reply(http_, request);
}

}  // namespace aaiti::test::auth
