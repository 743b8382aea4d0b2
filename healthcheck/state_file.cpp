#include "healthcheck/state_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.h"
#include "common/time_text.h"

namespace aaiti::health {
namespace {

using nlohmann::json;
constexpr int k_format_version = 1;

json incident_json(const Incident& i) {
    json j{{"started_at", i.started_at}, {"started", format_utc(i.started_at)}, {"cause", i.cause}};
    if (i.ended_at != 0) {
        j["ended_at"] = i.ended_at;
        j["ended"] = format_utc(i.ended_at);
        j["duration_seconds"] = i.ended_at - i.started_at;
    }
    return j;
}

Incident incident_from(const json& j) {
    Incident i;
    i.started_at = j.at("started_at").get<std::int64_t>();
    i.ended_at = j.value("ended_at", std::int64_t{0});
    i.cause = j.value("cause", "");
    return i;
}

}  // namespace

std::string state_to_json(const HealthState& state) {
    json targets = json::object();
    for (const auto& [name, s] : state.targets) {
        json t{{"healthy", s.healthy},
               {"status", to_string(status_of(s))},
               {"consecutive_failures", s.consecutive_failures},
               {"consecutive_successes", s.consecutive_successes},
               {"failing_since", s.failing_since},
               {"last_alert_at", s.last_alert_at},
               {"last_checked_at", s.last_checked_at},
               {"last_success", s.last_success},
               {"last_cause", s.last_cause},
               {"last_latency_seconds", s.last_latency_seconds},
               {"open_incident", s.open_incident ? incident_json(*s.open_incident) : json(nullptr)},
               {"incidents", json::array()}};
        for (const auto& i : s.past_incidents) t["incidents"].push_back(incident_json(i));
        targets[name] = std::move(t);
    }
    return json{{"version", k_format_version}, {"targets", targets}}.dump(2, ' ', false, json::error_handler_t::replace);
}

HealthState state_from_json(const std::string& text, const std::string& origin) {
    HealthState state;
    try {
        const json doc = json::parse(text);
        if (doc.value("version", 0) != k_format_version)
            throw DataError("health: " + origin + " is not a health state file of version " + std::to_string(k_format_version));
        for (const auto& [name, t] : doc.at("targets").items()) {
            TargetState s;
            s.healthy = t.at("healthy").get<bool>();
            s.consecutive_failures = t.value("consecutive_failures", 0);
            s.consecutive_successes = t.value("consecutive_successes", 0);
            s.failing_since = t.value("failing_since", std::int64_t{0});
            s.last_alert_at = t.value("last_alert_at", std::int64_t{0});
            s.last_checked_at = t.value("last_checked_at", std::int64_t{0});
            s.last_success = t.value("last_success", false);
            s.last_cause = t.value("last_cause", "");
            s.last_latency_seconds = t.value("last_latency_seconds", 0.0);
            if (t.contains("open_incident") && t["open_incident"].is_object()) s.open_incident = incident_from(t["open_incident"]);
            for (const auto& i : t.value("incidents", json::array())) s.past_incidents.push_back(incident_from(i));
            state.targets[name] = std::move(s);
        }
    } catch (const json::exception& e) {
        throw DataError("health: " + origin + " is not a valid health state file (" + e.what() +
                        "); remove it to start with a fresh state");
    }
    return state;
}

HealthState load_state(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (errno == ENOENT) return {};
        throw IoError("health: cannot read state file " + path + ": " + std::strerror(errno));
    }
    std::ostringstream text;
    text << in.rdbuf();
    return state_from_json(text.str(), "state file " + path);
}

void save_state(const std::string& path, const HealthState& state) {
    const std::string temporary = path + ".tmp." + std::to_string(::getpid());
    const std::string text = state_to_json(state) + "\n";
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw IoError("health: cannot write state file " + temporary + ": " + std::strerror(errno));
    std::size_t written = 0;
    while (written < text.size()) {
        const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const std::string why = std::strerror(errno);
            ::close(fd);
            ::unlink(temporary.c_str());
            throw IoError("health: cannot write state file " + temporary + ": " + why);
        }
        written += static_cast<std::size_t>(n);
    }
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!synced || ::rename(temporary.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(temporary.c_str());
        throw IoError("health: cannot replace state file " + path + ": " + why);
    }
}

}  // namespace aaiti::health
