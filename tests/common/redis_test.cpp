#include "common/redis.h"

#include <catch2/catch.hpp>

#include "common/error.h"
#include "tests/support/network.h"
#include "tests/support/test_servers.h"

using namespace aaiti::redis;

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
