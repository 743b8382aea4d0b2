#include "healthcheck/alert_channels.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/http_client.h"
#include "common/secrets.h"
#include "common/time_text.h"
#include "healthcheck/alert_message.h"

namespace aaiti::health {
namespace {

using nlohmann::json;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Slack, Discord and generic webhooks: a JSON POST; any 2xx is delivered.
class WebhookChannel final : public AlertChannel {
public:
    WebhookChannel(std::string name, std::string url, std::string (*payload)(const AlertEvent&), std::chrono::milliseconds timeout)
        : name_(std::move(name)), url_(std::move(url)), payload_(payload), timeout_(timeout) {}
    const std::string& name() const override { return name_; }
    void deliver(const AlertEvent& event) override {
        HttpRequest request;
        request.method = "POST";
        request.url = url_;
        request.headers = {{"Content-Type", "application/json"}};
        request.body = payload_(event);
        request.timeout = timeout_;
        request.connect_timeout = timeout_;
        const HttpResponse response = client_.send(request);  // throws UnavailableError, URL masked
        if (response.status < 200 || response.status > 299)
            throw std::runtime_error(mask_secrets_in_url(url_) + " answered HTTP " + std::to_string(response.status));
    }

private:
    std::string name_, url_;
    std::string (*payload_)(const AlertEvent&);
    std::chrono::milliseconds timeout_;
    HttpClient client_;  // used by the dispatcher thread only
};

struct MailReader {
    const std::string* text;
    std::size_t offset = 0;
};

size_t read_mail(char* buffer, size_t size, size_t count, void* user) {
    auto* reader = static_cast<MailReader*>(user);
    const size_t n = std::min(size * count, reader->text->size() - reader->offset);
    std::memcpy(buffer, reader->text->data() + reader->offset, n);
    reader->offset += n;
    return n;
}

class EmailChannel final : public AlertChannel {
public:
    EmailChannel(SmtpSettings smtp, std::chrono::milliseconds timeout) : smtp_(std::move(smtp)), timeout_(timeout) {}
    const std::string& name() const override { return name_; }
    void deliver(const AlertEvent& event) override {
        const std::string message = email_message(event, smtp_);
        MailReader reader{&message};
        CURL* curl = curl_easy_init();
        if (curl == nullptr) throw std::runtime_error("curl_easy_init failed");
        char error[CURL_ERROR_SIZE] = {};
        curl_slist* recipients = nullptr;
        for (const auto& to : smtp_.to) recipients = curl_slist_append(recipients, ("<" + to + ">").c_str());
        const std::string url = (smtp_.port == 465 ? "smtps://" : "smtp://") + smtp_.host + ":" + std::to_string(smtp_.port);
        const std::string from = "<" + smtp_.from + ">";
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));  // STARTTLS when offered
        curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
        curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_mail);
        curl_easy_setopt(curl, CURLOPT_READDATA, &reader);
        curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_.count()));
        if (!smtp_.user.empty()) {
            curl_easy_setopt(curl, CURLOPT_USERNAME, smtp_.user.c_str());
            curl_easy_setopt(curl, CURLOPT_PASSWORD, smtp_.password.c_str());
        }
        const CURLcode rc = curl_easy_perform(curl);
        curl_slist_free_all(recipients);
        curl_easy_cleanup(curl);
        if (rc != CURLE_OK)
            throw std::runtime_error("smtp " + smtp_.host + ":" + std::to_string(smtp_.port) + ": " +
                                     mask_secrets_in_text(error[0] != '\0' ? error : curl_easy_strerror(rc)));
    }

private:
    std::string name_ = "email";
    SmtpSettings smtp_;
    std::chrono::milliseconds timeout_;
};

std::string rfc5322_date() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char text[64];
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return text;
}

}  // namespace

std::string slack_payload(const AlertEvent& event) { return dump(json{{"text", alert_text(event)}}); }

std::string discord_payload(const AlertEvent& event) { return dump(json{{"content", alert_text(event)}}); }

std::string webhook_payload(const AlertEvent& event) {
    json j{{"event", to_string(event.kind)},
           {"target", event.target},
           {"text", alert_text(event)},
           {"cause", event.cause},
           {"since", format_utc(event.since)},
           {"at", format_utc(event.at)}};
    if (event.kind == AlertKind::recovery) j["downtime_seconds"] = event.downtime;
    return dump(j);
}

std::string email_message(const AlertEvent& event, const SmtpSettings& smtp) {
    std::string to;
    for (const auto& address : smtp.to) to += (to.empty() ? "" : ", ") + address;
    return "Date: " + rfc5322_date() + "\r\n" + "From: " + smtp.from + "\r\n" + "To: " + to + "\r\n" +
           "Subject: " + alert_subject(event) + "\r\n" + "MIME-Version: 1.0\r\n" +
           "Content-Type: text/plain; charset=utf-8\r\n" + "\r\n" + alert_text(event) + "\r\n";
}

std::vector<std::unique_ptr<AlertChannel>> make_alert_channels(const AlertSettings& settings, std::chrono::milliseconds timeout) {
    std::vector<std::unique_ptr<AlertChannel>> channels;
    if (!settings.slack_webhook.empty())
        channels.push_back(std::make_unique<WebhookChannel>("slack", settings.slack_webhook, slack_payload, timeout));
    if (!settings.discord_webhook.empty())
        channels.push_back(std::make_unique<WebhookChannel>("discord", settings.discord_webhook, discord_payload, timeout));
    for (const auto& url : settings.webhooks)
        channels.push_back(std::make_unique<WebhookChannel>("webhook", url, webhook_payload, timeout));
    if (settings.smtp) channels.push_back(std::make_unique<EmailChannel>(*settings.smtp, timeout));
    return channels;
}

}  // namespace aaiti::health
