// JWT at the edge and session revocation (the revocation check needs Redis: [pg]).
#include <catch2/catch.hpp>

#include <hiredis/hiredis.h>

#include "common/jwt.h"
#include "common/revocation.h"
#include "tests/gateway/gateway_test_support.h"
#include "tests/support/test_servers.h"

using namespace aaiti;
using namespace aaiti::gateway;
using namespace aaiti::gateway::test;

namespace {

constexpr const char* k_secret = "gateway-test-secret-0123456789abcdef";

std::string token(const std::string& sub, std::int64_t exp_offset = 600, const std::string& typ = "access",
                  const std::string& sid = "sid-1", const std::string& secret = k_secret) {
    jwt::KeySet keys(secret);
    jwt::Claims c;
    c.sub = sub;
    c.username = "user-" + sub;
    c.role = "trader";
    c.jti = "jti-" + sub;
    c.sid = sid;
    c.typ = typ;
    c.iat = jwt::unix_now() - 10;
    c.exp = jwt::unix_now() + exp_offset;
    return jwt::sign(c, keys.signing_key());
}

GatewayOptions auth_options(const TestUpstream& svc, const TestUpstream& auth) {
    auto o = test_gateway_options({route("/api/svc", {&svc}), route("/api/auth", {&auth})});
    o.auth_enabled = true;
    o.jwt_secret = k_secret;
    return o;
}

}  // namespace

TEST_CASE("protected routes answer 401 JSON for missing, malformed, forged, expired and refresh tokens") {
    TestUpstream svc("svc"), auth("auth");
    Gateway gw(auth_options(svc, auth));
    gw.start();
    struct Case {
        std::vector<std::pair<std::string, std::string>> headers;
        const char* code;
    };
    const std::vector<Case> cases = {
        {{}, "missing_token"},
        {{{"Authorization", "Basic dXNlcjpwYXNz"}}, "invalid_token"},
        {{{"Authorization", "Bearer not.a.jwt"}}, "invalid_token"},
        {{{"Authorization", "Bearer " + token("7", 600, "access", "s", "another-secret")}}, "invalid_token"},
        {{{"Authorization", "Bearer " + token("7", -3600)}}, "token_expired"},
        {{{"Authorization", "Bearer " + token("7", 600, "refresh")}}, "invalid_token"},
    };
    for (const auto& c : cases) {
        auto r = http(gw.port(), "GET", "/api/svc/echo", c.headers);
        CHECK(r.status == 401);
        CHECK(r.body.find(std::string(R"("code":")") + c.code + "\"") != std::string::npos);
        CHECK(r.header("WWW-Authenticate").rfind("Bearer", 0) == 0);
        CHECK(r.header("X-Upstream").empty());  // answered at the edge
    }
    auto m = http(svc.port(), "GET", "/metrics").body;
    CHECK(metric_value(m, "http_requests_total{method=\"GET\",route=\"/api/svc/echo\"") < 0);
}

TEST_CASE("a valid token reaches the upstream with X-User-Id/X-User-Role, replacing any the client sent") {
    TestUpstream svc("svc"), auth("auth");
    Gateway gw(auth_options(svc, auth));
    gw.start();
    auto r = http(gw.port(), "GET", "/api/svc/echo",
                  {{"Authorization", "Bearer " + token("42")}, {"X-User-Id", "1"}, {"X-User-Role", "admin"}});
    REQUIRE(r.status == 200);
    auto e = parse_echo(r.body);
    CHECK(e["header:x-user-id"] == "42");
    CHECK(e["header:x-user-role"] == "trader");
}

TEST_CASE("login, register, refresh and verify pass without a token; identity headers from clients never do") {
    TestUpstream svc("svc"), auth("auth");
    Gateway gw(auth_options(svc, auth));
    gw.start();
    for (const char* path : {"/api/auth/login", "/api/auth/register", "/api/auth/refresh", "/api/auth/verify"}) {
        auto r = http(gw.port(), "POST", path, {{"X-User-Id", "1"}}, "{}");
        CHECK(r.status == 200);
        CHECK(r.header("X-Upstream") == "auth");
        auto e = parse_echo(r.body);
        CHECK(e["path"] == path);
        CHECK(e.count("header:x-user-id") == 0);
    }
    CHECK(http(gw.port(), "GET", "/api/auth/login").status == 401);
    CHECK(http(gw.port(), "POST", "/api/auth/logout").status == 401);
}

namespace {

// A public prefix and a protected one on the same upstream, as a deployment may route them.
GatewayOptions public_and_private_options(const TestUpstream& svc, const TestUpstream& auth) {
    auto o = test_gateway_options({route("/api/pub", {&svc}), route("/api/priv", {&svc}), route("/api/auth", {&auth})});
    o.routes[0].public_access = true;
    o.auth_enabled = true;
    o.jwt_secret = k_secret;
    return o;
}

}  // namespace

TEST_CASE("dot segments in every spelling are resolved before routing: the protected route's token check applies") {
    TestUpstream svc("svc"), auth("auth");
    Gateway gw(public_and_private_options(svc, auth));
    gw.start();
    const std::string bearer = "Bearer " + token("42");
    struct Case {
        const char* target;
        const char* upstream_path;  // what the upstream must see
        bool is_public;             // lands on the public prefix
    };
    const std::vector<Case> cases = {
        {"/api/pub/../priv/secret", "/api/priv/secret", false},
        {"/api/pub/%2e%2e/priv/secret", "/api/priv/secret", false},
        {"/api/pub/%2E%2E/priv/secret", "/api/priv/secret", false},
        {"/api/pub/%2E%2e/priv/secret", "/api/priv/secret", false},
        {"/api/pub/.%2e/priv/secret", "/api/priv/secret", false},
        {"/api/pub/%2e./priv/secret", "/api/priv/secret", false},
        {"/api/pub/x/../../priv/secret", "/api/priv/secret", false},
        {"/../../api/priv/secret", "/api/priv/secret", false},
        {"//api//priv///secret", "/api/priv/secret", false},
        {"/api/priv/secret/..", "/api/priv/", false},
        {"/api/pub/./%2e%2e//%70riv/secret", "/api/priv/secret", false},
        {"http://gw.test/api/pub/../priv/secret", "/api/priv/secret", false},  // absolute form
        {"/api/pub/./x", "/api/pub/x", true},
        {"/api/pub//x", "/api/pub/x", true},
        {"/api/priv/../pub/x/.", "/api/pub/x/", true},
        {"/api/pub/%78", "/api/pub/x", true},
    };
    for (const auto& c : cases) {
        INFO(c.target);
        auto anonymous = http(gw.port(), "GET", c.target);
        if (c.is_public) {
            REQUIRE(anonymous.status == 200);
            CHECK(parse_echo(anonymous.body)["path"] == c.upstream_path);
            CHECK(parse_echo(anonymous.body).count("header:x-user-id") == 0);
        } else {
            CHECK(anonymous.status == 401);
            CHECK(anonymous.header("X-Upstream").empty());  // answered at the edge
        }
        auto signed_in = http(gw.port(), "GET", c.target, {{"Authorization", bearer}});
        REQUIRE(signed_in.status == 200);
        auto e = parse_echo(signed_in.body);
        CHECK(e["path"] == c.upstream_path);
        if (!c.is_public) CHECK(e["header:x-user-id"] == "42");
    }
    // The query goes upstream exactly as sent, dot segments and escapes included.
    auto q = http(gw.port(), "GET", "/api/pub/../priv/x?next=%2e%2e/a&b=..%2F", {{"Authorization", bearer}});
    REQUIRE(q.status == 200);
    CHECK(parse_echo(q.body)["path"] == "/api/priv/x");
    CHECK(parse_echo(q.body)["query"] == "next=%2e%2e/a&b=..%2F");
    // The public auth calls are recognised on the normalised path, and only there.
    auto login = http(gw.port(), "POST", "/api/auth/./login", {}, "{}");
    CHECK(login.status == 200);
    CHECK(parse_echo(login.body)["path"] == "/api/auth/login");
    CHECK(http(gw.port(), "POST", "/api/auth/login/../../priv/x", {}, "{}").status == 401);
}

TEST_CASE("encoded '/', backslash and NUL, a raw backslash, '..;' and malformed escapes in a path are refused 400") {
    TestUpstream svc("svc"), auth("auth");
    Gateway gw(public_and_private_options(svc, auth));
    gw.start();
    const std::string bearer = "Bearer " + token("42");
    for (const char* target : {"/api/pub/..%2fpriv/secret", "/api/pub/..%2Fpriv/secret", "/api/priv%2Fsecret",
                               "/api/pub/..%5cpriv", "/api/pub/..%5Cpriv", "/api/pub/x%00.json", "/api/pub/..;/priv/secret",
                               "/api/pub\\..\\priv\\secret", "/api/pub/%zz", "/api/pub/%2"}) {
        INFO(target);
        for (bool with_token : {false, true}) {
            auto r = http(gw.port(), "GET", target,
                          with_token ? std::vector<std::pair<std::string, std::string>>{{"Authorization", bearer}}
                                     : std::vector<std::pair<std::string, std::string>>{});
            CHECK(r.status == 400);
            CHECK(r.body.find(R"("code":"bad_request")") != std::string::npos);
            CHECK(r.body.find("request path") != std::string::npos);  // names the problem
            CHECK(r.header("X-Upstream").empty());
        }
    }
}

TEST_CASE("a request with two Authorization headers is refused 400 at the edge, on public and protected routes") {
    TestUpstream svc("svc"), auth("auth");
    Gateway gw(public_and_private_options(svc, auth));
    gw.start();
    const std::string good = "Bearer " + token("42");
    const std::string other = "Bearer " + token("7");
    for (const char* target : {"/api/priv/x", "/api/pub/x"}) {
        INFO(target);
        for (const auto& pair : {std::pair{good, other}, std::pair{good, std::string("Basic dXNlcjpwYXNz")}, std::pair{good, good}}) {
            auto r = http(gw.port(), "GET", target, {{"Authorization", pair.first}, {"authorization", pair.second}});
            CHECK(r.status == 400);
            CHECK(r.body.find(R"("code":"bad_request")") != std::string::npos);
            CHECK(r.body.find("Authorization") != std::string::npos);
            CHECK(r.header("X-Upstream").empty());
        }
        CHECK(http(gw.port(), "GET", target, {{"Authorization", good}}).status == 200);  // one is fine
    }
    auto m = http(svc.port(), "GET", "/metrics").body;
    CHECK(metric_value(m, "http_requests_total{method=\"GET\",route=\"any\",status=\"200\"}") == 2);
}

TEST_CASE("a token whose session is revoked in Redis is refused with 401 [pg]", "[pg]") {
    const auto& servers = aaiti::test::test_servers();
    TestUpstream svc("svc"), auth("auth");
    auto o = auth_options(svc, auth);
    o.rate_limit_enabled = true;
    o.redis_url = servers.redis_url;
    Gateway gw(o);
    gw.start();
    const std::string sid = "sid-" + fresh_loopback_ip();
    const std::string t = token("99", 600, "access", sid);
    const std::string ip = fresh_loopback_ip();
    REQUIRE(eventually([&] { return http(gw.port(), "GET", "/api/svc/name", {{"Authorization", "Bearer " + t}}, {}, ip).status == 200; }));

    redisContext* c = redisConnect(servers.redis_host.c_str(), servers.redis_port);
    REQUIRE(c);
    REQUIRE(c->err == 0);
    const std::string key = revocation::session_key(sid);
    auto* reply = static_cast<redisReply*>(redisCommand(c, "SET %s 1 EX 60", key.c_str()));
    REQUIRE(reply);
    freeReplyObject(reply);
    auto r = http(gw.port(), "GET", "/api/svc/name", {{"Authorization", "Bearer " + t}}, {}, ip);
    CHECK(r.status == 401);
    CHECK(r.body.find(R"("code":"session_revoked")") != std::string::npos);
    // Another session of the same user is unaffected.
    CHECK(http(gw.port(), "GET", "/api/svc/name", {{"Authorization", "Bearer " + token("99", 600, "access", sid + "-other")}}, {}, ip)
              .status == 200);
    reply = static_cast<redisReply*>(redisCommand(c, "DEL %s", key.c_str()));
    freeReplyObject(reply);
    redisFree(c);
}
