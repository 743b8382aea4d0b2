#include "common/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "common/error.h"
#include "common/secrets.h"

namespace aaiti {
namespace {

void global_init_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

std::size_t write_body(char* data, std::size_t size, std::size_t count, void* user) {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
}

std::size_t write_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* headers = static_cast<HttpHeaders*>(user);
    std::string_view line(data, size * count);
    if (line.rfind("HTTP/", 0) == 0) headers->clear();  // a new response (after a redirect or 100-continue)
    const auto colon = line.find(':');
    if (colon != std::string_view::npos) {
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
        headers->emplace_back(lower(std::string(line.substr(0, colon))), std::string(value));
    }
    return size * count;
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
    const std::string wanted = lower(std::string(name));
    for (const auto& [k, v] : headers)
        if (k == wanted) return v;
    return {};
}

struct HttpClient::Impl {
    CURL* easy = nullptr;
};

HttpClient::HttpClient() : impl_(std::make_unique<Impl>()) {
    global_init_once();
    impl_->easy = curl_easy_init();
    if (!impl_->easy) throw std::runtime_error("libcurl: curl_easy_init failed");
}

HttpClient::~HttpClient() {
    if (impl_ && impl_->easy) curl_easy_cleanup(impl_->easy);
}

HttpResponse HttpClient::send(const HttpRequest& request) {
    CURL* easy = impl_->easy;
    // Reset options but keep the easy handle, whose connection cache gives us keep-alive reuse.
    curl_easy_reset(easy);
    HttpResponse response;
    char error_buffer[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, write_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &response.headers);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "aaiti/0.1");
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_PROXY, request.direct ? "" : nullptr);  // "": no proxy; null: the environment's
    curl_easy_setopt(easy, CURLOPT_INTERFACE, request.source_address.empty() ? nullptr : request.source_address.c_str());

    if (request.method == "HEAD") {
        curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    } else if (request.method != "GET" || !request.body.empty()) {
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }

    curl_slist* headers = nullptr;
    for (const auto& [k, v] : request.headers) headers = curl_slist_append(headers, (k + ": " + v).c_str());
    // libcurl sends "Expect: 100-continue" for bodies over 1 KiB, which costs a round trip; we never need it.
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);

    const CURLcode rc = curl_easy_perform(easy);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
        const std::string detail = error_buffer[0] ? error_buffer : curl_easy_strerror(rc);
        throw UnavailableError(request.method + " " + mask_secrets_in_url(request.url) + ": " + mask_secrets_in_text(detail));
    }
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &response.status);
    curl_off_t total_us = 0;
    curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total_us);
    response.elapsed = std::chrono::microseconds(total_us);
    return response;
}

HttpResponse HttpClient::get(const std::string& url) {
    HttpRequest r;
    r.url = url;
    return send(r);
}

HttpResponse HttpClient::post_json(const std::string& url, std::string json_body) {
    HttpRequest r;
    r.method = "POST";
    r.url = url;
    r.body = std::move(json_body);
    r.headers.emplace_back("Content-Type", "application/json");
    r.headers.emplace_back("Accept", "application/json");
    return send(r);
}

}  // namespace aaiti
