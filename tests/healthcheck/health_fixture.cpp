#include "tests/healthcheck/health_fixture.h"

#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "common/http_client.h"
#include "tests/support/network.h"

namespace aaiti::test::health_fixture {
namespace {

std::string python() { return ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3"; }

}  // namespace

HealthPeer::HealthPeer() {
    process_ = std::make_unique<ChildProcess>(std::vector<std::string>{python(), "-u", source_path("tests/healthcheck/health_peer.py")});
    const std::string marker = "listening on 127.0.0.1:";
    if (!process_->wait_for_output(marker, std::chrono::seconds(15)))
        throw std::runtime_error("health_peer.py did not start; its stderr:\n" + process_->err());
    const auto out = process_->out();
    port_ = std::stoi(out.substr(out.find(marker) + marker.size()));
}

std::string HealthPeer::url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

void HealthPeer::control(const nlohmann::json& settings) {
    HttpClient client;
    const auto response = client.post_json(url("/_control"), settings.dump());
    if (response.status != 200) throw std::runtime_error("health_peer /_control answered " + std::to_string(response.status));
}

nlohmann::json HealthPeer::received() const {
    HttpClient client;
    return nlohmann::json::parse(client.get(url("/_received")).body);
}

nlohmann::json HealthPeer::wait_for_hooks(std::size_t count) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {
        auto hooks = received();
        if (hooks.size() >= count || std::chrono::steady_clock::now() > deadline) return hooks;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

SmtpSink::SmtpSink() {
    port_ = free_loopback_port();
    process_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        python(), "-u", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + std::to_string(port_), "-c",
        "aiosmtpd.handlers.Debugging", "stdout"});
    if (!wait_for_loopback_port(port_, std::chrono::seconds(15)))
        throw std::runtime_error("aiosmtpd did not listen on " + std::to_string(port_) + ":\n" + process_->err());
}

ProcessResult aaitictl(const std::vector<std::string>& args, const Env& env) {
    std::vector<std::string> argv{binary_path("aaitictl")};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessOptions options;
    options.inherit_environment = false;
    options.env = env;
    options.timeout = std::chrono::seconds(90);
    return run_process(argv, options);
}

std::string dead_url(const std::string& path) { return "http://127.0.0.1:" + std::to_string(free_loopback_port()) + path; }

}  // namespace aaiti::test::health_fixture
