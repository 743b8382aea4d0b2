#include <catch2/catch.hpp>

#include "common/client_address.h"
#include "common/error.h"

using aaiti::net::client_address;
using aaiti::net::host_of_endpoint;
using aaiti::net::NetworkList;

TEST_CASE("a network list holds addresses and CIDRs of both families") {
    const auto list = NetworkList::parse("127.0.0.1, 10.0.0.0/8 192.168.1.0/25,::1, fd00::/8", "TRUSTED_PROXIES");
    CHECK(list.contains("127.0.0.1"));
    CHECK_FALSE(list.contains("127.0.0.2"));
    CHECK(list.contains("10.255.3.4"));
    CHECK_FALSE(list.contains("11.0.0.1"));
    CHECK(list.contains("192.168.1.127"));
    CHECK_FALSE(list.contains("192.168.1.128"));
    CHECK(list.contains("::1"));
    CHECK(list.contains("fd12:3456::1"));
    CHECK_FALSE(list.contains("fe80::1"));
    CHECK(list.contains("::ffff:10.1.2.3"));  // IPv4-mapped is IPv4
    CHECK_FALSE(list.contains("not-an-address"));
    CHECK_FALSE(list.contains(""));
    CHECK(NetworkList::parse("0.0.0.0/0", "X").contains("203.0.113.9"));
    CHECK_FALSE(NetworkList::parse("0.0.0.0/0", "X").contains("2001:db8::1"));
    CHECK(NetworkList::parse("", "X").empty());
    CHECK(NetworkList::parse(" , ", "X").empty());
}

TEST_CASE("a network list refuses what is not an address or network, naming the setting and the entry") {
    for (const char* bad : {"10.0.0.0/33", "::1/129", "10.0.0.0/", "10.0.0.0/8x", "localhost", "10.0.0.256", "[::1]", "1.2.3.4:80"}) {
        INFO(bad);
        try {
            NetworkList::parse(std::string("127.0.0.1,") + bad, "TRUSTED_PROXIES");
            FAIL("accepted");
        } catch (const aaiti::ConfigError& e) {
            CHECK_THAT(e.what(), Catch::Contains("TRUSTED_PROXIES") && Catch::Contains(bad));
        }
    }
}

TEST_CASE("the host of an endpoint drops the port and the IPv6 brackets") {
    CHECK(host_of_endpoint("127.0.0.1:3000") == "127.0.0.1");
    CHECK(host_of_endpoint("[::1]:3000") == "::1");
    CHECK(host_of_endpoint("::1") == "::1");
    CHECK(host_of_endpoint("10.0.0.1") == "10.0.0.1");
}

TEST_CASE("the client address walks X-Forwarded-For back past trusted hops only") {
    const auto trusted = NetworkList::parse("127.0.0.1, 10.0.0.0/8", "TRUSTED_PROXIES");
    SECTION("an untrusted peer is the client, whatever it claims") {
        CHECK(client_address("203.0.113.5", "198.51.100.1", trusted) == "203.0.113.5");
        CHECK(client_address("203.0.113.5", "", trusted) == "203.0.113.5");
    }
    SECTION("a trusted peer's last entry is the client") {
        CHECK(client_address("127.0.0.1", "203.0.113.5", trusted) == "203.0.113.5");
        CHECK(client_address("127.0.0.1", " 203.0.113.5 ", trusted) == "203.0.113.5");
    }
    SECTION("a forged prefix is ignored: the first untrusted address from the right wins") {
        CHECK(client_address("127.0.0.1", "1.1.1.1, 203.0.113.5", trusted) == "203.0.113.5");
        CHECK(client_address("127.0.0.1", "1.1.1.1, 203.0.113.5, 10.0.0.7", trusted) == "203.0.113.5");
    }
    SECTION("when every hop is trusted the first entry is the client") {
        CHECK(client_address("127.0.0.1", "10.0.0.9, 10.0.0.7", trusted) == "10.0.0.9");
    }
    SECTION("garbage ends the walk at the last trusted address") {
        CHECK(client_address("127.0.0.1", "evil, 10.0.0.7", trusted) == "10.0.0.7");
        CHECK(client_address("127.0.0.1", "evil", trusted) == "127.0.0.1");
    }
    SECTION("entries with ports, IPv6 brackets and empty items") {
        CHECK(client_address("127.0.0.1", "203.0.113.5:4711", trusted) == "203.0.113.5");
        CHECK(client_address("127.0.0.1", "[2001:db8::7]:443", trusted) == "2001:db8::7");
        CHECK(client_address("127.0.0.1", "203.0.113.5,,", trusted) == "203.0.113.5");
    }
    SECTION("nobody trusted: the header means nothing") {
        CHECK(client_address("127.0.0.1", "203.0.113.5", NetworkList{}) == "127.0.0.1");
    }
}
