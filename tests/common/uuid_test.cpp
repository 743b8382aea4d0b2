#include <catch2/catch.hpp>

#include <set>

#include "common/uuid.h"

using aaiti::Uuid;

TEST_CASE("UUIDv5 matches the RFC 9562 test vector") {
    // RFC 9562 appendix A.4: www.example.com in the DNS namespace.
    CHECK(Uuid::name_based_v5(aaiti::uuid_namespace_dns(), "www.example.com").to_string() ==
          "2ed6657d-e927-568b-95e1-2665a8aea6a2");
}

TEST_CASE("UUIDv5 is deterministic and depends on the name") {
    const Uuid ns = Uuid::random_v4();
    CHECK(Uuid::name_based_v5(ns, "orders/42") == Uuid::name_based_v5(ns, "orders/42"));
    CHECK_FALSE(Uuid::name_based_v5(ns, "orders/42") == Uuid::name_based_v5(ns, "orders/43"));
    CHECK(Uuid::name_based_v5(ns, "x").version() == 5);
}

TEST_CASE("UUIDv4 values are random with version and variant bits set") {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const Uuid u = Uuid::random_v4();
        CHECK(u.version() == 4);
        CHECK((u.bytes()[8] & 0xC0) == 0x80);
        seen.insert(u.to_string());
    }
    CHECK(seen.size() == 1000);
}

TEST_CASE("UUIDs parse in any case and print lowercase") {
    const auto u = Uuid::parse("2ED6657D-E927-568B-95E1-2665A8AEA6A2");
    REQUIRE(u);
    CHECK(u->to_string() == "2ed6657d-e927-568b-95e1-2665a8aea6a2");
    CHECK_FALSE(Uuid::parse("2ed6657d-e927-568b-95e1-2665a8aea6a"));
    CHECK_FALSE(Uuid::parse("2ed6657de927-568b-95e1-2665a8aea6a2x"));
    CHECK_FALSE(Uuid::parse("zed6657d-e927-568b-95e1-2665a8aea6a2"));
}
