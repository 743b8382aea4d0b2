// common/http_client.h against a real local HTTP/1.1 peer (tests/support/http_peer.py), started by each
// test: no mocks, no fixture needed, so these are unit tests.
#include <catch2/catch.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/http_client.h"
#include "tests/support/http_peer.h"
#include "tests/support/network.h"

using Catch::Matchers::Contains;
using nlohmann::json;
using namespace std::chrono_literals;

namespace aaiti::test {
namespace {

json body_json(const HttpResponse& r) {
    INFO("body: " << r.body);
    return json::parse(r.body);
}

TEST_CASE("HttpClient GET returns status, body and lower-cased headers") {
    HttpPeer peer;
    HttpClient client;
    const auto r = client.get(peer.url("/echo/path?x=1"));
    INFO(peer.log());
    CHECK(r.status == 200);
    CHECK(r.header("Content-Type") == "application/json");
    CHECK(r.header("content-type") == "application/json");
    CHECK(r.header("x-no-such-header").empty());
    for (const auto& header : r.headers) {
        INFO(header.first);
        CHECK(header.first.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == std::string::npos);
    }
    const auto echo = body_json(r);
    CHECK(echo["method"] == "GET");
    CHECK(echo["path"] == "/echo/path");
    CHECK(echo["query"] == "x=1");
    CHECK(echo["body"] == "");
}

TEST_CASE("a direct request ignores a proxy in the environment; others go through it") {
    HttpPeer peer;
    // A "proxy" nobody listens on: whatever goes through it fails.
    const std::string dead_proxy = "http://127.0.0.1:" + std::to_string(free_loopback_port());
    ::setenv("http_proxy", dead_proxy.c_str(), 1);
    ::unsetenv("no_proxy");
    ::unsetenv("NO_PROXY");
    struct Unset {
        ~Unset() { ::unsetenv("http_proxy"); }
    } unset;
    HttpClient client;
    HttpRequest direct;
    direct.url = peer.url("/echo/x");
    direct.direct = true;
    CHECK(client.send(direct).status == 200);
    HttpRequest proxied = direct;
    proxied.direct = false;
    CHECK_THROWS_AS(client.send(proxied), UnavailableError);
}

TEST_CASE("HttpClient POSTs JSON with its content type and reads the JSON answer") {
    HttpPeer peer;
    HttpClient client;
    const std::string payload = R"({"name":"aaiti","n":[1,2,3],"text":"caf\u00e9"})";
    const auto r = client.post_json(peer.url("/echo"), payload);
    CHECK(r.status == 200);
    const auto echo = body_json(r);
    CHECK(echo["method"] == "POST");
    CHECK(echo["headers"]["content-type"] == "application/json");
    CHECK(echo["headers"]["content-length"] == std::to_string(payload.size()));
    CHECK(json::parse(echo["body"].get<std::string>()) == json::parse(payload));
}

TEST_CASE("HttpClient sends the method, headers and body of a request as given") {
    HttpPeer peer;
    HttpClient client;
    HttpRequest request;
    request.method = "PUT";
    request.url = peer.url("/echo");
    request.headers = {{"X-Request-Id", "req-42"}, {"Content-Type", "text/plain"}};
    request.body = std::string(200000, 'b');  // larger than one socket write
    const auto r = client.send(request);
    CHECK(r.status == 200);
    const auto echo = body_json(r);
    CHECK(echo["method"] == "PUT");
    CHECK(echo["headers"]["x-request-id"] == "req-42");
    CHECK(echo["headers"]["content-type"] == "text/plain");
    CHECK(echo["headers"].count("expect") == 0);
    CHECK(echo["body"].get<std::string>() == request.body);
}

TEST_CASE("two requests on one HttpClient reuse one TCP connection") {
    HttpPeer peer;
    HttpClient client;
    const auto first = client.get(peer.url("/echo"));
    const auto second = client.post_json(peer.url("/echo"), "{}");
    const auto third = client.get(peer.url("/echo"));
    CHECK(first.header("x-peer-connection") == second.header("x-peer-connection"));
    CHECK(first.header("x-peer-client-port") == second.header("x-peer-client-port"));
    CHECK(second.header("x-peer-connection") == third.header("x-peer-connection"));
    // The peer itself counts accepted connections: still one after four requests.
    CHECK(body_json(client.get(peer.url("/stats")))["connections"] == 1);
}

TEST_CASE("separate HttpClients use separate connections") {
    HttpPeer peer;
    HttpClient a;
    HttpClient b;
    CHECK(a.get(peer.url("/echo")).header("x-peer-connection") != b.get(peer.url("/echo")).header("x-peer-connection"));
}

TEST_CASE("4xx and 5xx are responses, not errors") {
    HttpPeer peer;
    HttpClient client;
    for (const long status : {400L, 404L, 429L, 500L, 503L}) {
        const auto r = client.get(peer.url("/status/" + std::to_string(status)));
        CHECK(r.status == status);
        CHECK(body_json(r)["status"] == status);
    }
    // and the connection survives them
    CHECK(client.get(peer.url("/echo")).status == 200);
}

TEST_CASE("a response slower than the timeout is UnavailableError") {
    HttpPeer peer;
    HttpClient client;
    HttpRequest request;
    request.url = peer.url("/delay/5000");
    request.timeout = 300ms;
    try {
        client.send(request);
        FAIL("the request did not time out");
    } catch (const UnavailableError& e) {
        INFO(e.what());
        CHECK_THAT(e.what(), Contains(peer.url("/delay/5000")));
        CHECK(e.exit_code() == exit_code::k_unavailable);
    }
    // The client is still usable afterwards.
    CHECK(client.get(peer.url("/echo")).status == 200);
}

TEST_CASE("a refused HTTP connection is UnavailableError with the URL's password masked") {
    const int port = free_loopback_port();  // nothing listens there
    const std::string url = "http://user:http-s3cret@127.0.0.1:" + std::to_string(port) + "/x";
    HttpClient client;
    try {
        client.get(url);
        FAIL("GET on a closed port succeeded");
    } catch (const UnavailableError& e) {
        const std::string message = e.what();
        INFO(message);
        CHECK_THAT(message, Contains("http://user:****@127.0.0.1:" + std::to_string(port) + "/x"));
        CHECK_THAT(message, !Contains("http-s3cret"));
        CHECK(e.exit_code() == exit_code::k_unavailable);
    }
}

TEST_CASE("a token in the query string is masked in errors") {
    const int port = free_loopback_port();
    HttpClient client;
    try {
        client.post_json("http://127.0.0.1:" + std::to_string(port) + "/hook?token=tok-s3cret", "{}");
        FAIL("POST on a closed port succeeded");
    } catch (const UnavailableError& e) {
        INFO(e.what());
        CHECK_THAT(e.what(), !Contains("tok-s3cret"));
    }
}

}  // namespace
}  // namespace aaiti::test
