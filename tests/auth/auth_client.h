#pragma once
// Running aaiti-auth for a test and talking to it: a back end (a temp SQLite file, a fresh PostgreSQL
// database, or that database with reads on the fixture's streaming replica), the binary started on a
// free port with a clean environment, and JSON requests over HTTP.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/http_client.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_servers.h"

namespace aaiti::test::auth {

enum class BackendKind { sqlite, postgres, postgres_replica };
std::string to_string(BackendKind kind);

// Where the service keeps its data, and a way for the test to look at (and tamper with) it directly.
class Backend {
public:
    explicit Backend(BackendKind kind);
    BackendKind kind() const { return kind_; }
    // WRITE_DB_URL/READ_DB_URL or SQLITE_DB_PATH.
    std::vector<std::pair<std::string, std::string>> env() const;
    // One value from the primary ("" for NULL or no row).
    std::string query(const std::string& sql) const;
    void exec(const std::string& sql) const;
    const std::string& database_name() const;

private:
    BackendKind kind_;
    TempDir dir_{"aaiti-auth-test"};
    std::unique_ptr<TestDatabase> db_;
    std::string sqlite_path_;
};

struct Reply {
    long status = 0;
    nlohmann::json body;  // null when the body is not JSON
    HttpResponse raw;
    std::string header(const std::string& name) const { return raw.header(name); }
    // A field of the error object ("code", "message"); "" when there is none, so that an unexpected
    // success fails a check instead of reading past the end of the JSON.
    std::string error_field(const char* name) const;
};

// One request to base_url + path: a JSON body (Content-Type: application/json when not empty, unless
// `headers` name a Content-Type of their own), a bearer token when given; the reply's body parsed as
// JSON when it is JSON.
Reply json_request(HttpClient& http, const std::string& base_url, const std::string& method, const std::string& path,
                   const std::string& raw_body, const std::string& token = {}, const HttpHeaders& headers = {});

// Sends `request` and parses the reply's body as JSON when it is JSON.
Reply send_for_reply(HttpClient& http, const HttpRequest& request);

// The env every test's service gets: the back end, a JWT secret, the fixture's Redis, cheap argon2id.
std::vector<std::pair<std::string, std::string>> service_env(const Backend& backend,
                                                             std::vector<std::pair<std::string, std::string>> extra = {});

class AuthProcess {
public:
    // Starts aaiti-auth on a free port and waits until /ready answers 200 (fails the test otherwise,
    // quoting the service's stderr).
    explicit AuthProcess(std::vector<std::pair<std::string, std::string>> env);
    ~AuthProcess();

    Reply call(const std::string& method, const std::string& path, const std::optional<nlohmann::json>& body = {},
               const std::string& token = {});
    Reply call_raw(const std::string& method, const std::string& path, const std::string& raw_body,
                   const std::string& token = {}, const HttpHeaders& headers = {});
    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    int port() const { return port_; }
    std::string err() const { return child_->err(); }

private:
    int port_ = 0;
    std::unique_ptr<ChildProcess> child_;
    HttpClient http_;
};

// aaiti-auth set-role --username U --role R with the same environment.
ProcessResult run_set_role(const std::vector<std::pair<std::string, std::string>>& env, const std::string& username,
                           const std::string& role);

// Registers `username` (password `password`, e-mail <username>@example.com) and returns the user JSON.
nlohmann::json register_user(AuthProcess& auth, const std::string& username, const std::string& password);
// Logs in and returns the body (token, refreshToken, ...). REQUIREs 200.
nlohmann::json login(AuthProcess& auth, const std::string& username, const std::string& password);

// True when the fixture's Redis holds key `key`.
bool redis_key_exists(const std::string& key);

}  // namespace aaiti::test::auth
