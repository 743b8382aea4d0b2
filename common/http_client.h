#pragma once
// A small blocking HTTP client on libcurl. One HttpClient keeps its connections alive between calls
// (connection reuse); it is not thread-safe: use one per thread.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aaiti {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    HttpHeaders headers;
    std::string body;
    std::chrono::milliseconds timeout{10000};         // whole transfer
    std::chrono::milliseconds connect_timeout{3000};  // TCP (+TLS) connect
    // Never through a proxy, whatever http_proxy/HTTP_PROXY/ALL_PROXY say: a probe of a service on
    // our own network must reach the service, not a proxy that happens to be in the environment.
    bool direct = false;
    // The local address to connect from (an IP literal); empty: the system's choice. Tests speak as
    // several clients from 127.0.0.2, 127.0.0.3, ... (all loopback on Linux).
    std::string source_address;
};

struct HttpResponse {
    long status = 0;
    HttpHeaders headers;  // names lower-cased
    std::string body;
    std::chrono::microseconds elapsed{0};
    // First header with that name (case-insensitive), or empty.
    std::string header(std::string_view name) const;
};

class HttpClient {
public:
    HttpClient();
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Throws UnavailableError (URL masked) when the server cannot be reached or the transfer times out.
    // Any HTTP status, including 4xx/5xx, is a response, not an error.
    HttpResponse send(const HttpRequest& request);
    HttpResponse get(const std::string& url);
    // POSTs `json_body` with Content-Type: application/json.
    HttpResponse post_json(const std::string& url, std::string json_body);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace aaiti
