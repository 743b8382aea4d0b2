#pragma once
// The edge in front of aaiti-auth, as the stack deploys it: aaiti-gateway, and HAProxy in front of
// the gateway (option forwardfor), each a real process on a free loopback port.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/http_client.h"
#include "tests/auth/auth_client.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace aaiti::test::auth {

class GatewayProcess {
public:
    // Routes /api/auth to `auth_url`; waits until /health/services answers 200.
    GatewayProcess(const std::string& auth_url, std::vector<std::pair<std::string, std::string>> env);

    Reply call(const std::string& method, const std::string& path, const std::string& body = {}, const std::string& token = {});
    Reply call(const std::string& method, const std::string& path, const nlohmann::json& body, const std::string& token = {});
    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    int port() const { return port_; }

private:
    int port_ = 0;
    std::unique_ptr<ChildProcess> child_;
    HttpClient http_;
};

// haproxy -db with one frontend on a free port and one backend server: `backend_port`.
class HaproxyProcess {
public:
    explicit HaproxyProcess(int backend_port);
    ~HaproxyProcess();
    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
    TempDir dir_{"aaiti-haproxy"};
    int port_ = 0;
    std::unique_ptr<ChildProcess> child_;
};

// A client at its own loopback address (127.0.0.2, 127.0.0.3, ...): what a server sees as the peer.
class ClientAt {
public:
    ClientAt(std::string source_address, std::string base_url)
        : source_(std::move(source_address)), base_url_(std::move(base_url)) {}
    Reply call(const std::string& method, const std::string& path, const nlohmann::json& body, const std::string& token = {},
               const HttpHeaders& headers = {});

private:
    std::string source_;
    std::string base_url_;
    HttpClient http_;
};

}  // namespace aaiti::test::auth
