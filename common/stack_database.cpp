#include "common/stack_database.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <sys/file.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/config.h"
#include "common/secrets.h"

namespace aaiti {
namespace {

namespace fs = std::filesystem;

// The supervisor holds an exclusive flock on <state dir>/supervisor.lock while it lives (stack/native).
bool supervisor_alive(const std::string& state_dir) {
    const int fd = ::open((state_dir + "/supervisor.lock").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd);
    return held;
}

std::string text_of(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The password libpq would use from `url` (userinfo, ?password= or password=), empty when none.
// Throws ConfigError when the URL is malformed.
std::string password_in(const std::string& url) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
    if (!options) {
        std::string why = error ? error : "malformed connection string";
        PQfreemem(error);
        while (!why.empty() && why.back() == '\n') why.pop_back();
        throw ConfigError("PostgreSQL URL " + mask_secrets_in_url(url) + " is not valid: " + mask_secrets_in_text(why));
    }
    std::string password;
    for (const PQconninfoOption* o = options; o->keyword; ++o)
        if (std::string_view(o->keyword) == "password" && o->val) password = o->val;
    PQconninfoFree(options);
    return password;
}

bool is_uri(const std::string& url) { return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0; }

// The stack file's `secrets_dir` (relative to its directory), default secrets/ beside it.
std::string secrets_dir_of(const std::string& stack_file, const fs::path& base) {
    std::string dir = "secrets";
    if (!stack_file.empty()) {
        try {
            const YAML::Node root = YAML::LoadFile(stack_file);
            if (root.IsMap() && root["secrets_dir"] && root["secrets_dir"].IsScalar()) dir = root["secrets_dir"].as<std::string>();
        } catch (const YAML::Exception&) {
            // Config::load has read this file already; a problem with it was reported there.
        }
    }
    return (base / dir).lexically_normal().string();
}

bool given_explicitly(const ConfigEntry* e) {
    return e && !e->value.empty() && (e->source == ConfigSource::flag || e->source == ConfigSource::environment);
}

bool given(const ConfigEntry* e) { return e && !e->value.empty() && e->source != ConfigSource::default_value; }

std::string postgres_url(const Config& config, const std::string& host_in, const std::string& port) {
    std::string host = host_in;
    if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";  // IPv6 literal
    return "postgresql://" + percent_encode(config.get_or("DB_USER", "")) + "@" + host + ":" + port + "/" +
           percent_encode(config.get_or("DB_NAME", ""));
}

}  // namespace

const RunningStack::Process* RunningStack::find(std::string_view name) const {
    for (const auto& p : processes)
        if (p.name == name) return &p;
    return nullptr;
}

std::optional<RunningStack> read_running_stack(const std::string& state_dir) {
    if (!supervisor_alive(state_dir)) return std::nullopt;
    std::ifstream in(state_dir + "/state.json");
    if (!in) return std::nullopt;
    std::stringstream text;
    text << in.rdbuf();
    RunningStack s;
    s.state_dir = state_dir;
    try {
        const auto j = nlohmann::json::parse(text.str());
        if (j.contains("profiles") && j["profiles"].is_array())
            for (const auto& p : j["profiles"])
                if (p.is_string()) s.profiles.push_back(p.get<std::string>());
        for (const auto& p : j.at("services")) {
            RunningStack::Process process;
            process.name = text_of(p, "name");
            process.port = p.contains("port") && p["port"].is_number() ? p["port"].get<int>() : 0;
            process.health = text_of(p, "health");
            process.detail = text_of(p, "detail");
            s.processes.push_back(std::move(process));
        }
        if (j.contains("database") && j["database"].is_object()) s.database_primary = text_of(j["database"], "primary");
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;  // being replaced (it is written by rename) or from another version: no usable state
    }
    if (const auto* primary = s.find(s.database_primary)) s.primary_port = primary->port;
    return s;
}

StackPlaces stack_places(const Config& config, const std::string& state_dir_override) {
    StackPlaces p;
    if (!config.stack_file().empty()) p.stack_file = fs::absolute(config.stack_file()).lexically_normal().string();
    const fs::path base = p.stack_file.empty() ? fs::current_path() : fs::path(p.stack_file).parent_path();
    p.state_dir = state_dir_override.empty() ? (base / ".aaiti").string() : fs::absolute(state_dir_override).lexically_normal().string();
    p.secrets_dir = secrets_dir_of(p.stack_file, base);
    return p;
}

std::string native_sqlite_path(const std::string& state_dir, const std::string& service) {
    return state_dir + "/data/" + service + ".sqlite";
}

std::string with_password(const std::string& url, const std::string& password) {
    if (password.empty() || !password_in(url).empty()) return url;
    if (is_uri(url)) {
        // postgresql://user@host -> postgresql://user:password@host (shown as user:****@host); without a user, ?password=.
        const auto start = url.find("://") + 3;
        const auto authority_end = std::min(url.find_first_of("/?", start), url.size());
        const auto at = url.rfind('@', authority_end);
        if (at != std::string::npos && at >= start && url.find(':', start) > at)
            return url.substr(0, at) + ":" + percent_encode(password) + url.substr(at);
        return url + (url.find('?') == std::string::npos ? "?" : "&") + "password=" + percent_encode(password);
    }
    std::string quoted;
    for (char c : password) {
        if (c == '\\' || c == '\'') quoted += '\\';
        quoted += c;
    }
    return url + (url.empty() ? "" : " ") + "password='" + quoted + "'";
}

std::string StackDatabase::describe() const {
    if (kind == Kind::sqlite) return "SQLite database " + sqlite_path;
    return "PostgreSQL database " + mask_secrets_in_url(write_url);
}

std::string StackDatabase::missing_password_message(const std::string& url) const {
    std::string places;
    for (std::size_t i = 0; i < password_places.size(); ++i)
        places += (i == 0 ? "" : i + 1 == password_places.size() ? ", nor " : ", ") + password_places[i];
    const std::string server = url.empty() ? mask_secrets_in_url(write_url) + " (" + origin + ")" : mask_secrets_in_url(url);
    return "no PostgreSQL password for " + server + ": not in " + places + "; the server asks for one";
}

StackDatabase find_stack_database(const Config& config, const StackDatabaseRequest& request) {
    StackDatabase db;
    const StackPlaces places = stack_places(config, request.state_dir);
    const std::string stack_name = places.stack_file.empty() ? "the current directory" : places.stack_file;
    db.running = read_running_stack(places.state_dir);

    // Which store.
    const ConfigEntry* write_url = config.entry("WRITE_DB_URL");
    const ConfigEntry* host = config.entry("DB_HOST");
    const ConfigEntry* port = config.entry("DB_PORT");
    const ConfigEntry* sqlite = config.entry("SQLITE_DB_PATH");
    const bool running_postgres = db.running && !db.running->database_primary.empty() && db.running->primary_port > 0;
    std::string url;
    if (!request.url.empty()) {
        url = request.url;
        db.origin = request.url_flag;
    } else if (given(write_url)) {
        url = write_url->value;
        db.origin = "WRITE_DB_URL from " + write_url->origin;
    } else if (given_explicitly(host) || given_explicitly(port)) {
        url = postgres_url(config, config.get_or("DB_HOST", "127.0.0.1"), config.get_or("DB_PORT", "5432"));
        db.origin = "DB_HOST/DB_PORT from " + (given_explicitly(host) ? host->origin : port->origin);
    } else if (request.sqlite_allowed && given(sqlite)) {
        db.kind = StackDatabase::Kind::sqlite;
        db.sqlite_path = fs::absolute(sqlite->value).lexically_normal().string();
        db.origin = "SQLITE_DB_PATH from " + sqlite->origin;
    } else if (running_postgres) {
        // The stack runs natively: its primary, which a failover may have moved to the other node.
        url = postgres_url(config, "127.0.0.1", std::to_string(db.running->primary_port));
        db.origin = "the running stack's primary " + db.running->database_primary + " (" + places.state_dir + "/state.json)";
    } else if (request.sqlite_allowed && db.running) {
        db.kind = StackDatabase::Kind::sqlite;
        db.sqlite_path = native_sqlite_path(places.state_dir, "auth");
        db.origin = "the running stack without PostgreSQL (" + places.state_dir + "/state.json)";
    } else if (request.sqlite_allowed && !given(host)) {
        db.kind = StackDatabase::Kind::sqlite;
        db.sqlite_path = fs::absolute(config.get_or("SQLITE_DB_PATH", "data/aaiti.sqlite")).lexically_normal().string();
        db.origin = "SQLITE_DB_PATH default; no PostgreSQL is configured and no stack runs in " + places.state_dir;
    } else {
        url = postgres_url(config, config.get_or("DB_HOST", "127.0.0.1"), config.get_or("DB_PORT", "5432"));
        db.origin = "DB_HOST/DB_PORT from " + (given(host) ? host->origin : port ? port->origin : std::string("default"));
    }
    if (db.kind == StackDatabase::Kind::sqlite) return db;

    // Which password, and every place looked.
    std::string password;
    if (!request.password_flag.empty()) db.password_places.push_back(request.password_flag);
    if (!request.password_file.empty()) {
        password = read_secret_file(request.password_file, request.password_flag);
        if (!password.empty()) db.password_origin = request.password_flag + " (" + request.password_file + ")";
    }
    db.password_places.insert(db.password_places.end(), {"DB_PASSWORD_FILE", "DB_PASSWORD"});
    if (!places.stack_file.empty()) db.password_places.push_back("database.password in " + places.stack_file);
    if (const ConfigEntry* e = config.entry("DB_PASSWORD"); password.empty() && e && !e->value.empty()) {
        password = e->value;
        db.password_origin = e->origin;
    }
    db.password_places.push_back(request.url.empty() ? "WRITE_DB_URL" : "the " + request.url_flag + " URL");
    const std::string in_url = password_in(url);
    if (!in_url.empty()) db.password_origin = db.origin;  // kept as it is: the URL is the most specific
    const std::string secret = places.secrets_dir + "/db_password";
    db.password_places.push_back(secret + " (secrets_dir of " + stack_name + ")");
    if (password.empty() && in_url.empty() && fs::exists(secret)) {
        password = read_secret_file(secret, "secrets_dir/db_password");
        if (!password.empty()) db.password_origin = secret;
    }

    db.password = in_url.empty() ? password : in_url;
    db.write_url = with_password(url, password);
    const ConfigEntry* read_url = config.entry("READ_DB_URL");
    db.read_url = request.url.empty() && given(read_url) ? with_password(read_url->value, password) : db.write_url;
    return db;
}

std::string stack_redis_url(const Config& config, int port) {
    const ConfigEntry* redis = config.entry("REDIS_URL");
    if (given(redis) || port <= 0) return config.get_or("REDIS_URL", "");
    const std::string file = stack_places(config).secrets_dir + "/redis_password";
    const std::string password = fs::exists(file) ? read_secret_file(file, "secrets_dir/redis_password") : "";
    return "redis://" + (password.empty() ? "" : ":" + percent_encode(password) + "@") + "127.0.0.1:" + std::to_string(port);
}

int running_redis_port(const std::optional<RunningStack>& running) {
    const auto* p = running ? running->find("redis") : nullptr;
    return p ? p->port : 0;
}

bool is_missing_password_error(std::string_view text) {
    return text.find("no password supplied") != std::string_view::npos ||
           text.find("password is required") != std::string_view::npos;  // pg_dump/pg_restore with -w
}

}  // namespace aaiti
