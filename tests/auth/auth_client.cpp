#include "tests/auth/auth_client.h"

#include <catch2/catch.hpp>
#include <hiredis/hiredis.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <strings.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "tests/support/network.h"

namespace aaiti::test::auth {

std::string to_string(BackendKind kind) {
    switch (kind) {
        case BackendKind::sqlite: return "sqlite";
        case BackendKind::postgres: return "postgres";
        case BackendKind::postgres_replica: return "postgres+replica";
    }
    return "?";
}

Backend::Backend(BackendKind kind) : kind_(kind) {
    if (kind == BackendKind::sqlite) {
        // A directory that does not exist yet: the service must create it.
        sqlite_path_ = (dir_ / "data/auth.sqlite").string();
    } else {
        db_ = std::make_unique<TestDatabase>("auth");
    }
    if (kind == BackendKind::postgres_replica) {
        // CREATE DATABASE reaches the replica a moment later; the service connects to it at start.
        const auto& servers = test_servers();
        const std::string probe = "SELECT count(*) FROM pg_database WHERE datname = '" + db_->name() + "'";
        for (int i = 0; i < 600 && query_scalar(servers.pg_replica_superuser_url, probe) != "1"; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        REQUIRE(query_scalar(servers.pg_replica_superuser_url, probe) == "1");
    }
}

const std::string& Backend::database_name() const {
    static const std::string none;
    return db_ ? db_->name() : none;
}

std::vector<std::pair<std::string, std::string>> Backend::env() const {
    switch (kind_) {
        case BackendKind::sqlite: return {{"SQLITE_DB_PATH", sqlite_path_}};
        case BackendKind::postgres: return {{"WRITE_DB_URL", db_->url()}, {"DB_POOL_MIN", "1"}, {"DB_POOL_MAX", "4"}};
        case BackendKind::postgres_replica:
            return {{"WRITE_DB_URL", db_->url()},
                    {"READ_DB_URL", test_servers().pg_replica_url(db_->name())},
                    {"DB_POOL_MIN", "1"},
                    {"DB_POOL_MAX", "4"}};
    }
    return {};
}

std::string Backend::query(const std::string& sql) const {
    if (db_) return query_scalar(db_->url(), sql);
    SQLite::Database db(sqlite_path_, SQLite::OPEN_READONLY, 5000);
    SQLite::Statement st(db, sql);
    if (!st.executeStep() || st.getColumn(0).isNull()) return "";
    return st.getColumn(0).getString();
}

void Backend::exec(const std::string& sql) const {
    if (db_) return exec_sql(db_->url(), sql);
    SQLite::Database db(sqlite_path_, SQLite::OPEN_READWRITE, 5000);
    db.exec(sql);
}

std::vector<std::pair<std::string, std::string>> service_env(const Backend& backend,
                                                             std::vector<std::pair<std::string, std::string>> extra) {
    std::vector<std::pair<std::string, std::string>> env = {
        {"JWT_SECRET", "test-secret-0123456789abcdef0123456789"},
        {"AUTH_PASSWORD_COST", "min"},
        {"REDIS_URL", test_servers().redis_url},
        {"LOG_LEVEL", "warn"},
    };
    for (auto& kv : backend.env()) env.push_back(std::move(kv));
    for (auto& kv : extra) env.push_back(std::move(kv));
    return env;
}

AuthProcess::AuthProcess(std::vector<std::pair<std::string, std::string>> env) {
    port_ = free_loopback_port();
    ProcessOptions options;
    options.env = std::move(env);
    options.inherit_environment = false;  // nothing of whoever runs the tests (DB_*, JWT_*) leaks in
    child_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{binary_path("aaiti-auth"), "--listen", "127.0.0.1:" + std::to_string(port_), "--threads", "2"},
        options);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
        if (!child_->running()) FAIL("aaiti-auth exited at start:\n" << child_->err());
        try {
            if (http_.get(base_url() + "/ready").status == 200) break;
        } catch (const std::exception&) {  // not listening yet
        }
        if (std::chrono::steady_clock::now() > deadline) FAIL("aaiti-auth never became ready:\n" << child_->err());
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

AuthProcess::~AuthProcess() {
    if (child_) child_->stop();
}

Reply AuthProcess::call_raw(const std::string& method, const std::string& path, const std::string& raw_body,
                            const std::string& token, const HttpHeaders& headers) {
    return json_request(http_, base_url(), method, path, raw_body, token, headers);
}

std::string Reply::error_field(const char* name) const {
    if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) return "";
    return body["error"].value(name, "");
}

Reply json_request(HttpClient& http, const std::string& base_url, const std::string& method, const std::string& path,
                   const std::string& raw_body, const std::string& token, const HttpHeaders& headers) {
    HttpRequest request;
    request.headers = headers;
    request.method = method;
    request.url = base_url + path;
    request.body = raw_body;
    const bool typed = std::any_of(headers.begin(), headers.end(), [](const auto& h) {
        return h.first.size() == 12 && ::strncasecmp(h.first.c_str(), "Content-Type", 12) == 0;
    });
    if (!raw_body.empty() && !typed) request.headers.push_back({"Content-Type", "application/json"});
    if (!token.empty()) request.headers.push_back({"Authorization", "Bearer " + token});
    return send_for_reply(http, request);
}

Reply send_for_reply(HttpClient& http, const HttpRequest& request) {
    Reply reply;
    reply.raw = http.send(request);
    reply.status = reply.raw.status;
    reply.body = nlohmann::json::parse(reply.raw.body, nullptr, false);
    if (reply.body.is_discarded()) reply.body = nullptr;
    return reply;
}

Reply AuthProcess::call(const std::string& method, const std::string& path, const std::optional<nlohmann::json>& body,
                        const std::string& token) {
    return call_raw(method, path, body ? body->dump() : std::string(), token);
}

ProcessResult run_set_role(const std::vector<std::pair<std::string, std::string>>& env, const std::string& username,
                           const std::string& role) {
    ProcessOptions options;
    options.env = env;
    options.inherit_environment = false;
    return run_process({binary_path("aaiti-auth"), "set-role", "--username", username, "--role", role}, options);
}

nlohmann::json register_user(AuthProcess& auth, const std::string& username, const std::string& password) {
    const auto r = auth.call("POST", "/api/auth/register",
                             nlohmann::json{{"username", username}, {"email", username + "@example.com"}, {"password", password}});
    INFO(r.raw.body);
    REQUIRE(r.status == 201);
    return r.body["user"];
}

nlohmann::json login(AuthProcess& auth, const std::string& username, const std::string& password) {
    const auto r = auth.call("POST", "/api/auth/login", nlohmann::json{{"username", username}, {"password", password}});
    INFO(r.raw.body);
    REQUIRE(r.status == 200);
    return r.body;
}

bool redis_key_exists(const std::string& key) {
    const auto& servers = test_servers();
    redisContext* c = redisConnect(servers.redis_host.c_str(), servers.redis_port);
    REQUIRE(c);
    REQUIRE(c->err == 0);
    auto* reply = static_cast<redisReply*>(redisCommand(c, "EXISTS %b", key.data(), key.size()));
    const bool exists = reply && reply->type == REDIS_REPLY_INTEGER && reply->integer == 1;
    if (reply) freeReplyObject(reply);
    redisFree(c);
    return exists;
}

}  // namespace aaiti::test::auth
