#include "common/jwt.h"

#include <catch2/catch.hpp>

#include "common/error.h"

using namespace aaiti::jwt;

namespace {

Claims sample_claims(std::int64_t now) {
    Claims c;
    c.sub = "5f0c6a52-9c1e-4a43-9a5e-1c2b3d4e5f60";
    c.username = "alice";
    c.role = "trader";
    c.jti = "j-1";
    c.sid = "s-1";
    c.typ = "access";
    c.iat = now;
    c.exp = now + 900;
    return c;
}

}  // namespace

TEST_CASE("base64url round-trips every length and refuses non-canonical input", "[jwt]") {
    const std::string bytes = std::string("\x00\xff\xfe hello \x80", 11);
    for (std::size_t n = 0; n <= bytes.size(); ++n) {
        const auto encoded = base64url_encode(bytes.substr(0, n));
        CHECK(encoded.find_first_of("+/=") == std::string::npos);
        CHECK(base64url_decode(encoded) == bytes.substr(0, n));
    }
    CHECK(base64url_encode("\xfb\xff") == "-_8");
    CHECK_FALSE(base64url_decode("a"));       // impossible length
    CHECK_FALSE(base64url_decode("ab+c"));    // standard alphabet is not base64url
    CHECK_FALSE(base64url_decode("-_9"));     // non-zero leftover bits: a second spelling of "-_8"
    CHECK_FALSE(base64url_decode("AB"));      // the same with one byte: "AA" is its only spelling
    CHECK(base64url_decode("AA") == std::string(1, '\0'));
    CHECK_FALSE(base64url_decode("AAAA.AAA"));  // a bad digit inside a whole group
    // Every byte value at every position, through whole groups and both kinds of tail.
    std::string all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
    for (std::size_t n = 250; n <= all.size(); ++n) CHECK(base64url_decode(base64url_encode(all.substr(0, n))) == all.substr(0, n));
}

TEST_CASE("a signed token verifies and carries every claim", "[jwt]") {
    const KeySet keys("correct horse battery staple");
    const auto now = unix_now();
    const auto token = sign(sample_claims(now), keys.signing_key());
    const auto result = verify(token, keys, now);
    REQUIRE(result.ok());
    CHECK(result.claims.sub == "5f0c6a52-9c1e-4a43-9a5e-1c2b3d4e5f60");
    CHECK(result.claims.username == "alice");
    CHECK(result.claims.role == "trader");
    CHECK(result.claims.jti == "j-1");
    CHECK(result.claims.sid == "s-1");
    CHECK(result.claims.typ == "access");
    CHECK(result.claims.exp == now + 900);
}

TEST_CASE("a token computed independently (python hmac) verifies", "[jwt]") {
    // Made with python's hmac + base64 for secret "secret", header {"alg":"HS256","typ":"JWT"}
    // and payload {"sub":"1234567890","exp":4102444800} (no kid: the Node service issued such tokens).
    const std::string token =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwiZXhwIjo0MTAyNDQ0ODAwfQ."
        "B87ky_xnfSw6IuujR-udaBU_p6EHZ2WcNiTbiFXAmHg";
    const KeySet keys("secret");
    const auto result = verify(token, keys, 1700000000);
    CHECK(to_string(result.status) == "ok");
    CHECK(result.claims.sub == "1234567890");
    // Again, between tokens of another key: each thread keeps a keyed HMAC context per secret and
    // re-arms it for every message, so no state may leak from one message or key to the next.
    const KeySet other("another secret entirely");
    const auto other_token = sign(sample_claims(1700000000), other.signing_key());
    for (int i = 0; i < 3; ++i) {
        CHECK(verify(token, keys, 1700000000).ok());
        CHECK(verify(other_token, other, 1700000000).ok());
        CHECK(verify(other_token, keys, 1700000000).status == VerifyStatus::unknown_key);
    }
}

TEST_CASE("tampering, the wrong key, expiry and alg tricks are refused", "[jwt]") {
    const KeySet keys("s3cret-one");
    const auto now = unix_now();
    const auto token = sign(sample_claims(now), keys.signing_key());

    SECTION("a changed payload") {
        auto claims = sample_claims(now);
        claims.role = "admin";
        const auto forged_payload = sign(claims, keys.signing_key());
        // Splice the admin payload onto the original signature.
        const auto d1 = token.find('.'), d2 = token.rfind('.');
        const auto f1 = forged_payload.find('.'), f2 = forged_payload.rfind('.');
        const auto spliced = token.substr(0, d1) + forged_payload.substr(f1, f2 - f1) + token.substr(d2);
        CHECK(verify(spliced, keys, now).status == VerifyStatus::bad_signature);
    }
    SECTION("another secret") {
        const KeySet other("s3cret-two");
        CHECK(verify(token, other, now).status == VerifyStatus::unknown_key);
    }
    SECTION("expired beyond the leeway, accepted within it") {
        CHECK(verify(token, keys, now + 900 + 31).status == VerifyStatus::expired);
        CHECK(verify(token, keys, now + 900 + 29).ok());
    }
    SECTION("issued in the future") {
        CHECK(verify(token, keys, now - 120).status == VerifyStatus::not_yet_valid);
    }
    SECTION("alg none") {
        const auto none_header = base64url_encode(R"({"alg":"none","typ":"JWT"})");
        const auto payload = token.substr(token.find('.'), token.rfind('.') - token.find('.'));
        CHECK(verify(none_header + payload + ".", keys, now).status == VerifyStatus::unsupported_algorithm);
    }
    SECTION("garbage") {
        CHECK(verify("", keys, now).status == VerifyStatus::malformed);
        CHECK(verify("a.b", keys, now).status == VerifyStatus::malformed);
        CHECK(verify("a.b.c.d", keys, now).status == VerifyStatus::malformed);
        CHECK(verify("!!.??.**", keys, now).status == VerifyStatus::malformed);
        CHECK(verify(base64url_encode("[1]") + "." + base64url_encode("{}") + ".x", keys, now).status ==
              VerifyStatus::malformed);
    }
}

TEST_CASE("rotation: tokens signed with a previous secret still verify, new ones use the current kid", "[jwt]") {
    const auto now = unix_now();
    const std::string first = "first-secret-0123456789abcdef0123456789";
    const std::string second = "second-secret-0123456789abcdef0123456789";
    const KeySet old_keys(first);
    const auto old_token = sign(sample_claims(now), old_keys.signing_key());

    const auto rotated = KeySet::from_config(second, " " + first + " , ,");
    CHECK(verify(old_token, rotated, now).ok());
    const auto new_token = sign(sample_claims(now), rotated.signing_key());
    CHECK(rotated.signing_key().kid == key_id_for(second));
    CHECK(verify(new_token, rotated, now).ok());
    CHECK(verify(new_token, old_keys, now).status == VerifyStatus::unknown_key);

    const KeySet retired(second);  // the old secret dropped from the list
    CHECK(verify(old_token, retired, now).status == VerifyStatus::unknown_key);
}

TEST_CASE("secrets from the configuration: short ones, placeholders and repeated patterns are refused, naming the key", "[jwt]") {
    const std::string good = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";  // 32 bytes, as `openssl rand -hex 16` gives
    CHECK_NOTHROW(KeySet::from_config(good, ""));
    CHECK_NOTHROW(KeySet::from_config(good, "9a8b7c6d5e4f30211203f4e5d6c7b8a9, " + good));
    struct Case {
        std::string current, previous, says;
    };
    const std::vector<Case> cases = {
        {"", "", "JWT_SECRET is empty"},
        {"abcde", "", "JWT_SECRET is 5 bytes long"},
        {std::string(31, 'x'), "", "JWT_SECRET is 31 bytes long"},
        {"your-super-secret-jwt-key-change-in-production", "", "JWT_SECRET is a placeholder"},
        {"YOUR-SUPER-SECRET-JWT-KEY-CHANGE-IN-PRODUCTION", "", "JWT_SECRET is a placeholder"},
        {"changeme", "", "JWT_SECRET is a placeholder"},
        {"secret", "", "JWT_SECRET is a placeholder"},
        {"please-changeme-0123456789abcdef0123456789", "", "JWT_SECRET is a placeholder"},
        {std::string(64, 'a'), "", "JWT_SECRET is a repeated pattern"},
        {"abababababababababababababababab", "", "JWT_SECRET is a repeated pattern"},
        {good, "short", "JWT_PREVIOUS_SECRETS entry 1 is 5 bytes long"},
        {good, good + ",changeme", "JWT_PREVIOUS_SECRETS entry 2 is a placeholder"},
    };
    for (const auto& c : cases) {
        INFO(c.says);
        try {
            KeySet::from_config(c.current, c.previous);
            FAIL("accepted");
        } catch (const aaiti::ConfigError& e) {
            const std::string message = e.what();
            CHECK_THAT(message, Catch::StartsWith(c.says));
            CHECK_THAT(message, Catch::Contains("openssl rand -hex 32"));
            if (c.current.size() > 8) CHECK_THAT(message, !Catch::Contains(c.current));  // never the secret
        }
    }
}

TEST_CASE("an empty signing secret is a configuration error", "[jwt]") {
    CHECK_THROWS_AS(KeySet(""), aaiti::ConfigError);
    CHECK(key_id_for("x").size() == 16);
}

TEST_CASE("a token verified before is still checked for expiry, and only under the key set that verified it", "[jwt]") {
    const KeySet old_keys("the secret before rotation");
    const auto now = unix_now();
    const auto token = sign(sample_claims(now), old_keys.signing_key());
    REQUIRE(verify(token, old_keys, now).ok());
    REQUIRE(verify(token, old_keys, now).ok());  // the second time from this thread's cache
    CHECK(verify(token, old_keys, now + 900 + 31).status == VerifyStatus::expired);
    CHECK(verify(token, old_keys, now - 31).status == VerifyStatus::not_yet_valid);
    CHECK(verify(token, old_keys, now).claims.username == "alice");

    // A key set without that secret (it was rotated out) refuses it, cache or not.
    const KeySet new_keys("the secret after rotation");
    CHECK(verify(token, new_keys, now).status == VerifyStatus::unknown_key);
    // A changed character of the signature is not the cached token.
    std::string tampered = token;
    char& c = tampered[tampered.size() - 5];
    c = c == 'A' ? 'B' : 'A';
    CHECK(verify(tampered, old_keys, now).status == VerifyStatus::bad_signature);
}
