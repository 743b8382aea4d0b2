#include "healthcheck/http_prober.h"

#include <curl/curl.h>

#include <algorithm>
#include <ctime>
#include <optional>
#include <memory>
#include <mutex>
#include <string>

#include "common/secrets.h"
#include "build_info.h"

namespace aaiti::health {
namespace {

constexpr std::size_t k_body_limit = 1024 * 1024;  // conditions read JSON status documents, not downloads

struct Transfer {
    ProbeResult* result = nullptr;
    CURL* easy = nullptr;
    char error[CURL_ERROR_SIZE] = {};
};

size_t keep_body(char* data, size_t size, size_t count, void* user) {
    auto* body = static_cast<std::string*>(user);
    const size_t bytes = size * count;
    if (body->size() < k_body_limit) body->append(data, std::min(bytes, k_body_limit - body->size()));
    return bytes;
}

// curl's OpenSSL backend reports "Expire date:Jan  1 00:00:00 2030 GMT".
std::optional<std::int64_t> seconds_until_expiry(CURL* easy) {
    curl_certinfo* info = nullptr;
    if (curl_easy_getinfo(easy, CURLINFO_CERTINFO, &info) != CURLE_OK || info == nullptr || info->num_of_certs < 1)
        return std::nullopt;
    for (curl_slist* field = info->certinfo[0]; field != nullptr; field = field->next) {
        const std::string_view text(field->data);
        if (text.rfind("Expire date:", 0) != 0) continue;
        std::tm tm{};
        const std::string date(text.substr(12));
        if (strptime(date.c_str(), "%b %d %H:%M:%S %Y", &tm) == nullptr) return std::nullopt;
        return static_cast<std::int64_t>(timegm(&tm)) - static_cast<std::int64_t>(std::time(nullptr));
    }
    return std::nullopt;
}

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct MultiCloser {
    void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};

}  // namespace

std::vector<ProbeResult> probe_http_targets(const std::vector<const Target*>& targets, std::chrono::milliseconds timeout) {
    global_init();
    std::vector<ProbeResult> results(targets.size());
    std::vector<Transfer> transfers(targets.size());
    std::unique_ptr<CURLM, MultiCloser> multi(curl_multi_init());
    static const std::string user_agent = std::string("aaitictl-health/") + build_info::k_version;

    for (std::size_t i = 0; i < targets.size(); ++i) {
        const Target& target = *targets[i];
        results[i].target = target.name;
        results[i].kind = target.kind;
        Transfer& t = transfers[i];
        t.result = &results[i];
        t.easy = curl_easy_init();
        curl_easy_setopt(t.easy, CURLOPT_URL, target.url.c_str());
        curl_easy_setopt(t.easy, CURLOPT_PRIVATE, &t);
        curl_easy_setopt(t.easy, CURLOPT_ERRORBUFFER, t.error);
        curl_easy_setopt(t.easy, CURLOPT_WRITEFUNCTION, keep_body);
        curl_easy_setopt(t.easy, CURLOPT_WRITEDATA, &results[i].body);
        curl_easy_setopt(t.easy, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
        curl_easy_setopt(t.easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
        curl_easy_setopt(t.easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(t.easy, CURLOPT_USERAGENT, user_agent.c_str());
        curl_easy_setopt(t.easy, CURLOPT_ACCEPT_ENCODING, "");
        // A fresh connection per probe: a health check must see what a new client sees.
        curl_easy_setopt(t.easy, CURLOPT_FORBID_REUSE, 1L);
        if (target.url.rfind("https", 0) == 0) curl_easy_setopt(t.easy, CURLOPT_CERTINFO, 1L);
        curl_multi_add_handle(multi.get(), t.easy);
    }

    int running = 0;
    do {
        curl_multi_perform(multi.get(), &running);
        int left = 0;
        while (CURLMsg* message = curl_multi_info_read(multi.get(), &left)) {
            if (message->msg != CURLMSG_DONE) continue;
            Transfer* t = nullptr;
            curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &t);
            ProbeResult& r = *t->result;
            curl_off_t total_us = 0;
            curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME_T, &total_us);
            r.latency = std::chrono::microseconds(total_us);
            if (message->data.result == CURLE_OK) {
                r.connected = true;
                curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &r.status);
                r.cert_expiry_seconds = seconds_until_expiry(t->easy);
            } else {
                r.error = mask_secrets_in_text(t->error[0] != '\0' ? t->error : curl_easy_strerror(message->data.result));
            }
        }
        if (running > 0) curl_multi_poll(multi.get(), nullptr, 0, 1000, nullptr);
    } while (running > 0);

    for (auto& t : transfers) {
        curl_multi_remove_handle(multi.get(), t.easy);
        curl_easy_cleanup(t.easy);
    }
    return results;
}

}  // namespace aaiti::health
