#include "stack/native/supervisor_state.h"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.h"

namespace aaiti::stack::native {
namespace {

using nlohmann::json;

json null_if_empty(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }
std::string text_or_empty(const json& j, const char* key) { return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : ""; }

json process_json(const ProcessStatus& p) {
    return {{"name", p.name}, {"pid", p.pid == 0 ? json(nullptr) : json(p.pid)}, {"port", p.port == 0 ? json(nullptr) : json(p.port)},
            {"health", to_string(p.health)}, {"restarts", p.restarts}, {"detail", null_if_empty(p.detail)}};
}

json settings_list(const std::vector<SettingStatus>& settings) {
    json list = json::array();
    for (const auto& e : settings) list.push_back({{"key", e.key}, {"value", e.value}, {"source", e.source}, {"origin", e.origin}});
    return list;
}

Health health_from(const std::string& s) {
    for (Health h : {Health::starting, Health::healthy, Health::unhealthy, Health::unavailable, Health::not_ready})
        if (to_string(h) == s) return h;
    throw DataError("state file: unknown health \"" + s + "\"");
}

}  // namespace

std::string to_string(Health h) {
    switch (h) {
    case Health::starting: return "starting";
    case Health::healthy: return "healthy";
    case Health::unhealthy: return "unhealthy";
    case Health::unavailable: return "unavailable";
    case Health::not_ready: return "not_ready";
    }
    return "unknown";
}

std::string to_string(SupervisorState::Phase p) {
    switch (p) {
    case SupervisorState::Phase::starting: return "starting";
    case SupervisorState::Phase::running: return "running";
    case SupervisorState::Phase::failed: return "failed";
    case SupervisorState::Phase::stopping: return "stopping";
    }
    return "unknown";
}

std::string services_json(const std::vector<ProcessStatus>& services) {
    json list = json::array();
    for (const auto& p : services) list.push_back(process_json(p));
    return json{{"services", list}}.dump();
}

std::string settings_json(const std::vector<SettingStatus>& settings) { return settings_list(settings).dump(); }

std::string SupervisorState::to_json() const {
    json list = json::array();
    for (const auto& p : services) {
        json entry = process_json(p);
        entry["ports"] = p.ports;
        list.push_back(std::move(entry));
    }
    return json{{"phase", to_string(phase)},
                {"message", null_if_empty(message)},
                {"supervisor_pid", supervisor_pid},
                {"stack_file", stack_file},
                {"profiles", profiles},
                {"started_at", started_at},
                {"healthy_after_ms", healthy_after_ms < 0 ? json(nullptr) : json(healthy_after_ms)},
                {"services", list},
                {"database", {{"primary", null_if_empty(database_primary)}, {"failover", null_if_empty(failover)}}},
                {"backup",
                 {{"schedule", null_if_empty(backup_schedule)},
                  {"next_run", null_if_empty(backup_next_run)},
                  {"last_success", null_if_empty(backup_last_success)},
                  {"last_result", null_if_empty(backup_last_result)}}},
                {"settings", settings_list(settings)}}
        .dump(2);
}

SupervisorState SupervisorState::from_json(const std::string& text) {
    try {
        const json j = json::parse(text);
        SupervisorState s;
        const std::string phase = j.at("phase").get<std::string>();
        bool known = false;
        for (auto p : {Phase::starting, Phase::running, Phase::failed, Phase::stopping})
            if (to_string(p) == phase) s.phase = p, known = true;
        if (!known) throw DataError("state file: unknown phase \"" + phase + "\"");
        s.message = text_or_empty(j, "message");
        s.supervisor_pid = j.at("supervisor_pid").get<int>();
        s.stack_file = text_or_empty(j, "stack_file");
        s.profiles = j.value("profiles", std::vector<std::string>{});
        s.started_at = text_or_empty(j, "started_at");
        s.healthy_after_ms = j["healthy_after_ms"].is_number() ? j["healthy_after_ms"].get<long long>() : -1;
        for (const auto& p : j.at("services")) {
            ProcessStatus st;
            st.name = p.at("name").get<std::string>();
            st.pid = p["pid"].is_number() ? p["pid"].get<int>() : 0;
            st.port = p["port"].is_number() ? p["port"].get<int>() : 0;
            st.health = health_from(p.at("health").get<std::string>());
            st.restarts = p.value("restarts", 0);
            st.detail = text_or_empty(p, "detail");
            if (p.contains("ports") && p["ports"].is_array()) st.ports = p["ports"].get<std::vector<int>>();
            s.services.push_back(st);
        }
        if (j.contains("database")) {
            s.database_primary = text_or_empty(j["database"], "primary");
            s.failover = text_or_empty(j["database"], "failover");
        }
        if (j.contains("backup")) {
            const auto& b = j["backup"];
            s.backup_schedule = text_or_empty(b, "schedule");
            s.backup_next_run = text_or_empty(b, "next_run");
            s.backup_last_success = text_or_empty(b, "last_success");
            s.backup_last_result = text_or_empty(b, "last_result");
        }
        if (j.contains("settings") && j["settings"].is_array())
            for (const auto& e : j["settings"])
                s.settings.push_back({text_or_empty(e, "key"), text_or_empty(e, "value"), text_or_empty(e, "source"),
                                      text_or_empty(e, "origin")});
        return s;
    } catch (const json::exception& e) {
        throw DataError(std::string("state file: ") + e.what());
    }
}

void write_state_file(const std::string& path, const SupervisorState& state) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << state.to_json() << '\n';
        if (!out) throw IoError("up: cannot write " + tmp);
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) throw IoError("up: cannot replace " + path);
}

std::optional<SupervisorState> read_state_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::stringstream text;
    text << in.rdbuf();
    return SupervisorState::from_json(text.str());
}

}  // namespace aaiti::stack::native
