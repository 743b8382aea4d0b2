#include "common/redis.h"

#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/error.h"
#include "tests/support/network.h"
#include "tests/support/redis_sentinel.h"
#include "tests/support/test_servers.h"

using namespace aaiti::redis;

namespace {

using UrlCase = std::pair<const char*, const char*>;  // a URL, and what its error message must say

// Each URL is refused with a ConfigError saying what its case expects and showing none of `secrets`.
void check_refused(const std::vector<UrlCase>& cases, const std::vector<std::string>& secrets) {
    for (const auto& [url, expected] : cases) {
        try {
            (void)parse_url(url);
            FAIL("accepted " << url);
        } catch (const aaiti::ConfigError& e) {
            INFO(url << " -> " << e.what());
            CHECK(std::string(e.what()).find(expected) != std::string::npos);
            for (const auto& secret : secrets) CHECK(std::string(e.what()).find(secret) == std::string::npos);
        }
    }
}

}  // namespace

TEST_CASE("redis URLs parse into host, port, credentials and database", "[redis]") {
    const auto plain = parse_url("redis://127.0.0.1:6380");
    CHECK(plain.host == "127.0.0.1");
    CHECK(plain.port == 6380);
    CHECK(plain.database == 0);

    const auto full = parse_url("redis://app:p%40ss@cache.local:7000/3");
    CHECK(full.username == "app");
    CHECK(full.password == "p@ss");
    CHECK(full.host == "cache.local");
    CHECK(full.database == 3);

    CHECK(parse_url("redis://:only-password@h").password == "only-password");
    CHECK(parse_url("redis://h").port == 6379);
    CHECK(parse_url("redis://[::1]:6390").host == "::1");
    CHECK(parse_url("unix:///run/redis.sock?db=2").unix_socket == "/run/redis.sock");
    CHECK(parse_url("unix:///run/redis.sock?db=2").database == 2);
}

TEST_CASE("bad redis URLs are configuration errors that never echo the password", "[redis]") {
    for (const char* url : {"rediss://h:1", "http://h", "redis://:pw@h:0", "redis://:pw@h:99999", "redis://:pw@h/x",
                            "unix://relative.sock", "no-scheme"}) {
        try {
            (void)parse_url(url);
            FAIL("accepted " << url);
        } catch (const aaiti::ConfigError& e) {
            CHECK(std::string(e.what()).find("pw") == std::string::npos);
        }
    }
}

TEST_CASE("the client runs commands and pipelines against a real Redis", "[pg][redis]") {
    Client client(parse_url(aaiti::test::test_servers().redis_url));
    CHECK(client.ping());
    const std::string key = "aaiti:test:redis_client:" + std::to_string(::getpid());
    CHECK(client.command({"SET", key, std::string("a\0b", 3), "EX", "30"}).text == "OK");
    CHECK(client.command({"GET", key}).text == std::string("a\0b", 3));
    const auto replies = client.pipeline({{"INCR", key + ":n"}, {"INCR", key + ":n"}, {"DEL", key, key + ":n"}});
    REQUIRE(replies.size() == 3);
    CHECK(replies[1].integer == 2);
    CHECK(replies[2].integer == 2);
    CHECK(client.command({"GET", key}).type == Reply::Type::nil);
    CHECK(client.command({"NOSUCHCOMMAND"}).is_error());
}

TEST_CASE("an unreachable Redis is an UnavailableError naming the endpoint; ping says false", "[redis]") {
    const auto port = aaiti::test::free_loopback_port();
    Client client(parse_url("redis://127.0.0.1:" + std::to_string(port)), std::chrono::milliseconds(300));
    CHECK_FALSE(client.ping());
    try {
        client.command({"PING"});
        FAIL("no error");
    } catch (const aaiti::UnavailableError& e) {
        CHECK(std::string(e.what()).find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
    }
}

TEST_CASE("redis-sentinel URLs parse into the sentinels, the master's name, credentials and database", "[redis][sentinel]") {
    const auto one = parse_url("redis-sentinel://10.0.0.5/mymaster");
    REQUIRE(one.uses_sentinel());
    REQUIRE(one.sentinels.size() == 1);
    CHECK(one.sentinels[0].host == "10.0.0.5");
    CHECK(one.sentinels[0].port == 26379);
    CHECK(one.master_name == "mymaster");
    CHECK(one.database == 0);
    CHECK(one.password.empty());
    CHECK(one.host.empty());  // filled in by resolve_master
    CHECK(one.unix_socket.empty());

    const auto full = parse_url("redis-sentinel://app:p%40ss@s1:26380,s2,[::1]:26381/cache-main/2");
    CHECK(full.username == "app");
    CHECK(full.password == "p@ss");
    REQUIRE(full.sentinels.size() == 3);
    CHECK(full.sentinels[0].host == "s1");
    CHECK(full.sentinels[0].port == 26380);
    CHECK(full.sentinels[1].host == "s2");
    CHECK(full.sentinels[1].port == 26379);
    CHECK(full.sentinels[2].host == "::1");
    CHECK(full.sentinels[2].port == 26381);
    CHECK(full.master_name == "cache-main");
    CHECK(full.database == 2);

    CHECK(parse_url("redis-sentinel://:only-password@s/m").password == "only-password");
    CHECK(parse_url("redis-sentinel://s/m/").database == 0);
    CHECK(describe(full) == "master cache-main via sentinels s1:26380,s2:26379,[::1]:26381");
    CHECK(describe(full).find("p@ss") == std::string::npos);
    // The plain forms are unchanged: no sentinels.
    CHECK_FALSE(parse_url("redis://h:6380/1").uses_sentinel());
    CHECK(describe(parse_url("redis://:pw@h:6380/1")) == "h:6380");
}

TEST_CASE("redis-sentinel URLs take the sentinels' own credentials as query parameters", "[redis][sentinel]") {
    const auto both = parse_url("redis-sentinel://app:data-pw@s1,s2:26380/cache/2?sentinel_password=s%40nt%26pw&sentinel_username=ops%3Aa");
    CHECK(both.sentinel_password == "s@nt&pw");  // percent-decoded, like the userinfo
    CHECK(both.sentinel_username == "ops:a");
    CHECK(both.username == "app");
    CHECK(both.password == "data-pw");
    CHECK(both.master_name == "cache");
    CHECK(both.database == 2);
    REQUIRE(both.sentinels.size() == 2);
    CHECK(both.sentinels[1].port == 26380);

    // The query is split off before the master's name and the database are read: '?' right after the
    // name, the parameters in either order, a stray '&' ignored.
    const auto after_name = parse_url("redis-sentinel://s1/mymaster?&sentinel_username=u&sentinel_password=p");
    CHECK(after_name.master_name == "mymaster");
    CHECK(after_name.database == 0);
    CHECK(after_name.sentinel_username == "u");
    CHECK(after_name.sentinel_password == "p");
    CHECK(parse_url("redis-sentinel://s1/m/3?sentinel_password=p").database == 3);
    CHECK(parse_url("redis-sentinel://s1/m?").sentinel_password.empty());
    // A '?' inside the userinfo is still the data password's, not a query.
    const auto odd = parse_url("redis-sentinel://:pa?ss@s1/m");
    CHECK(odd.password == "pa?ss");
    CHECK(odd.sentinel_password.empty());
    CHECK(odd.sentinels[0].host == "s1");

    // Without them: no sentinel credentials (the data password is tried only on NOAUTH).
    const auto none = parse_url("redis-sentinel://:pw@s1/m");
    CHECK(none.sentinel_password.empty());
    CHECK(none.sentinel_username.empty());

    // describe() names neither password.
    const std::string shown = describe(both);
    CHECK(shown == "master cache via sentinels s1:26379,s2:26380");
    CHECK(shown.find("s@nt") == std::string::npos);
    CHECK(shown.find("data-pw") == std::string::npos);
}

TEST_CASE("bad redis-sentinel query parameters are configuration errors naming the parameter, never its value", "[redis][sentinel]") {
    check_refused({
        {"redis-sentinel://:pw@s1/m?sentinel_pasword=hunter2", "query parameter \"sentinel_pasword\" is not known"},
        {"redis-sentinel://:pw@s1/m?password=hunter2", "query parameter \"password\" is not known"},
        {"redis-sentinel://:pw@s1/m?db=1", "query parameter \"db\" is not known"},
        {"redis-sentinel://:pw@s1/m?sentinel_username=ops", "sentinel_username needs sentinel_password"},
        {"redis-sentinel://:pw@s1/m?sentinel_password=", "sentinel_password has no value"},
        {"redis-sentinel://:pw@s1/m?sentinel_password", "sentinel_password has no value"},
        {"redis-sentinel://:pw@s1/m?sentinel_password=hunter2&sentinel_password=hunter2", "sentinel_password is given twice"},
        {"redis-sentinel://:pw@s1/?sentinel_password=hunter2", "master's name"},
        {"redis-sentinel://:pw@s1/m#x?sentinel_password=hunter2", "not allowed"},
    }, {"hunter2", "pw"});
}

TEST_CASE("bad redis-sentinel URLs are configuration errors naming the problem, never the password", "[redis][sentinel]") {
    check_refused({
        {"redis-sentinel://:pw@s1:26379", "master's name"},
        {"redis-sentinel://:pw@s1:26379/", "master's name"},
        {"redis-sentinel://:pw@/m", "names no sentinel"},
        {"redis-sentinel://:pw@s1,,s2/m", "empty sentinel host"},
        {"redis-sentinel://:pw@s1,/m", "empty sentinel host"},
        {"redis-sentinel://:pw@s1:0/m", "sentinel port \"0\""},
        {"redis-sentinel://:pw@s1:99999/m", "sentinel port \"99999\""},
        {"redis-sentinel://:pw@s1/m/x", "database \"x\""},
        {"redis-sentinel://:pw@s1/m/1/extra", "path after the database"},
        {"redis-sentinel://:pw@s1/m#x", "not allowed"},
        {"redis-sentinel://:pw@s1/m?x=1", "query parameter \"x\" is not known"},
        {"redis-cluster://:pw@h1/m", "Redis Cluster is not supported"},
    }, {"pw"});
}

TEST_CASE("the client finds the master through a sentinel, and the new one after a failover", "[redis][sentinel]") {
    aaiti::test::RedisSentinelGroup group("aaiti-client", "s3cret-pw");
    // A dead sentinel first: the next one is asked.
    const int dead = aaiti::test::free_loopback_port();
    const auto address = parse_url(group.url(1, {dead}));
    const auto resolved = resolve_master(address);
    CHECK(resolved.host == "127.0.0.1");
    CHECK(resolved.port == group.first_master_port());

    Client client(address);
    CHECK(client.command({"SET", "aaiti:test:sentinel", "before"}).text == "OK");
    CHECK(client.endpoint().find(":" + std::to_string(group.first_master_port())) != std::string::npos);
    CHECK(client.endpoint().find("s3cret") == std::string::npos);
    // db 1 as the URL says, on the master.
    CHECK(group.cli(group.first_master_port(), {"-n", "1", "GET", "aaiti:test:sentinel"}) == "before");

    const int new_master = group.failover();
    CHECK(new_master == group.first_replica_port());
    // The sentinel reconfigures the old master some seconds later; do it now: this client's
    // connection is still open to it, and its next write is answered READONLY.
    group.demote_first_master();
    // The client treats READONLY as a lost connection: looks the master up again and writes there.
    CHECK(client.command({"SET", "aaiti:test:sentinel", "after"}).text == "OK");
    CHECK(client.endpoint().find(":" + std::to_string(new_master)) != std::string::npos);
    CHECK(group.cli(new_master, {"-n", "1", "GET", "aaiti:test:sentinel"}) == "after");
}

TEST_CASE("the client reconnects to the promoted replica when the master is killed", "[redis][sentinel]") {
    aaiti::test::RedisSentinelGroup group("aaiti-kill");
    Client client(parse_url(group.url()), std::chrono::milliseconds(500));
    REQUIRE(client.command({"SET", "aaiti:test:k", "1"}).text == "OK");
    REQUIRE(client.command({"WAIT", "1", "5000"}).integer == 1);  // the replica has it
    group.kill_first_master();
    // Until the sentinel has promoted the replica (down-after 1 s, then the failover), commands fail
    // with UnavailableError (the sentinel still names the dead master); then they work.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    std::string last;
    bool written = false;
    while (!written && std::chrono::steady_clock::now() < deadline) {
        try {
            const auto reply = client.command({"INCR", "aaiti:test:k"});
            written = reply.type == Reply::Type::integer;
            last = reply.text;
        } catch (const aaiti::UnavailableError& e) {
            last = e.what();
        }
        if (!written) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    INFO("last answer: " << last);
    REQUIRE(written);
    CHECK(client.endpoint().find(":" + std::to_string(group.first_replica_port())) != std::string::npos);
    // The replica had the key: the counter went on from it.
    CHECK(group.cli(group.first_replica_port(), {"GET", "aaiti:test:k"}) == "2");
}

namespace {

// resolve_master's UnavailableError text for `url`; fails the test if it resolves.
std::string resolve_error(const std::string& url) {
    try {
        (void)resolve_master(parse_url(url));
    } catch (const aaiti::UnavailableError& e) {
        return e.what();
    }
    FAIL("resolved " << url);
    return {};
}

}  // namespace

TEST_CASE("a sentinel with its own password is asked after AUTH with ?sentinel_password=", "[redis][sentinel]") {
    aaiti::test::RedisSentinelGroup group("aaiti-sentinel-auth", "data-pw", "sentinel-pw");
    const std::string url = group.url(1);

    // (a) The sentinel's password as a query parameter (also with the ACL user "default").
    for (const std::string query : {"?sentinel_password=sentinel-pw", "?sentinel_username=default&sentinel_password=sentinel%2Dpw"}) {
        INFO(query);
        const auto resolved = resolve_master(parse_url(url + query));
        CHECK(resolved.port == group.first_master_port());
        Client client(parse_url(url + query));
        CHECK(client.command({"SET", "aaiti:test:sentinel-auth", "yes"}).text == "OK");
        CHECK(group.cli(group.first_master_port(), {"-n", "1", "GET", "aaiti:test:sentinel-auth"}) == "yes");
    }

    // (c) A wrong sentinel password: UnavailableError saying AUTH failed, naming neither password.
    const std::string wrong = resolve_error(url + "?sentinel_password=not-the-sentinel-pw");
    CHECK(wrong.find("sentinel 127.0.0.1:" + std::to_string(group.sentinel_port()) + ": AUTH failed: WRONGPASS") != std::string::npos);
    Client client(parse_url(url + "?sentinel_password=not-the-sentinel-pw"), std::chrono::milliseconds(300));
    CHECK_FALSE(client.ping());

    // No sentinel password: the URL's data password is tried on NOAUTH and refused; the error says so.
    const std::string refused = resolve_error(url);
    CHECK(refused.find("requires a password (NOAUTH) and refused the URL's: AUTH failed: WRONGPASS") != std::string::npos);
    CHECK(refused.find("?sentinel_password=") != std::string::npos);
    // No password at all in the URL: nothing to try.
    const std::string bare = resolve_error("redis-sentinel://127.0.0.1:" + std::to_string(group.sentinel_port()) + "/" + group.master_name());
    CHECK(bare.find(": requires a password (NOAUTH); give it as ?sentinel_password=") != std::string::npos);

    for (const std::string& what : {wrong, refused, bare}) {
        INFO(what);
        CHECK(what.find("-pw") == std::string::npos);  // no password, right or wrong
    }
}

TEST_CASE("a sentinel sharing the data nodes' password is asked after AUTH with the URL's password", "[redis][sentinel]") {
    // (b) The Bitnami chart's default: one password for the data nodes and the sentinels, given once.
    aaiti::test::RedisSentinelGroup group("aaiti-sentinel-shared", "shared-pw", "shared-pw");
    const int dead = aaiti::test::free_loopback_port();
    const auto address = parse_url(group.url(0, {dead}));
    CHECK(address.sentinel_password.empty());
    CHECK(resolve_master(address).port == group.first_master_port());
    Client client(address);
    CHECK(client.command({"SET", "aaiti:test:shared", "1"}).text == "OK");
    CHECK(client.endpoint().find("shared-pw") == std::string::npos);

    // It follows a failover as without a sentinel password.
    const int new_master = group.failover();
    group.demote_first_master();
    CHECK(client.command({"SET", "aaiti:test:shared", "2"}).text == "OK");
    CHECK(group.cli(new_master, {"GET", "aaiti:test:shared"}) == "2");
}

TEST_CASE("a server that echoes the AUTH arguments back never gets the sentinel password into the error", "[redis][sentinel]") {
    // A sentinel older than 5.0.1 has no AUTH and answers "unknown command 'AUTH', with args beginning
    // with: '<password>'"; a Redis with AUTH renamed away answers the same.
    const int port = aaiti::test::free_loopback_port();
    aaiti::test::ChildProcess server({"redis-server", "--port", std::to_string(port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--rename-command", "AUTH", ""});
    REQUIRE(aaiti::test::wait_for_loopback_port(port));
    const std::string base = "redis-sentinel://127.0.0.1:" + std::to_string(port) + "/m";
    for (const std::string query : {"?sentinel_password=hunter2", "?sentinel_username=ops&sentinel_password=hunter2"}) {
        const std::string what = resolve_error(base + query);
        INFO(what);
        CHECK(what.find("AUTH failed: ERR unknown command") != std::string::npos);
        CHECK(what.find("hunter2") == std::string::npos);
    }
}

TEST_CASE("no sentinel reachable, or none knowing the master: UnavailableError saying so for each", "[redis][sentinel]") {
    const int dead = aaiti::test::free_loopback_port();
    try {
        (void)resolve_master(parse_url("redis-sentinel://:pw@127.0.0.1:" + std::to_string(dead) + "/m"),
                             std::chrono::milliseconds(200));
        FAIL("resolved");
    } catch (const aaiti::UnavailableError& e) {
        const std::string what = e.what();
        CHECK(what.find("no master \"m\"") != std::string::npos);
        CHECK(what.find("sentinel 127.0.0.1:" + std::to_string(dead)) != std::string::npos);
        CHECK(what.find("pw") == std::string::npos);
    }
    Client client(parse_url("redis-sentinel://127.0.0.1:" + std::to_string(dead) + "/m"), std::chrono::milliseconds(200));
    CHECK_FALSE(client.ping());
}
