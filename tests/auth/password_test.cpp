// Password hashing (argon2id through libsodium, bcrypt through libxcrypt) and the password policy.
#include <catch2/catch.hpp>

#include <crypt.h>

#include <memory>

#include "common/error.h"
#include "services/auth/password.h"

namespace aaiti::auth {
namespace {

std::string bcrypt(const std::string& password, const char* prefix = "$2b$") {
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    REQUIRE(crypt_gensalt_rn(prefix, 4, nullptr, 0, setting, sizeof setting));
    auto data = std::make_unique<crypt_data>();
    const char* out = crypt_rn(password.c_str(), setting, data.get(), sizeof(crypt_data));
    REQUIRE(out);
    REQUIRE(out[0] != '*');
    return out;
}

TEST_CASE("argon2id hashes verify, reject other passwords and carry the configured cost") {
    const PasswordHasher hasher(PasswordCost::min);
    const auto hash = hasher.hash("s3cret-pass");
    CHECK(hash.rfind("$argon2id$v=19$", 0) == 0);
    CHECK(hasher.verify("s3cret-pass", hash).ok);
    CHECK_FALSE(hasher.verify("s3cret-pass", hash).needs_rehash);
    CHECK_FALSE(hasher.verify("s3cret-pasS", hash).ok);
    CHECK(hasher.hash("s3cret-pass") != hash);  // salted

    SECTION("a hash made at another cost still verifies and asks for a rehash") {
        const PasswordHasher interactive(PasswordCost::interactive);
        const auto check = interactive.verify("s3cret-pass", hash);
        CHECK(check.ok);
        CHECK(check.needs_rehash);
    }
}

TEST_CASE("bcrypt hashes from the Node app ($2a$, $2b$, $2y$) verify and ask for a rehash") {
    const PasswordHasher hasher(PasswordCost::min);
    const auto hash = bcrypt("legacy-pass-1");
    for (const char* prefix : {"$2a$", "$2b$", "$2y$"}) {
        const std::string relabelled = prefix + hash.substr(4);
        INFO(relabelled);
        CHECK(is_bcrypt_hash(relabelled));
        const auto check = hasher.verify("legacy-pass-1", relabelled);
        CHECK(check.ok);
        CHECK(check.needs_rehash);
        CHECK_FALSE(hasher.verify("legacy-pass-2", relabelled).ok);
    }
    // The classic test vector for "U*U".
    CHECK(hasher.verify("U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW").ok);
    // A password with a NUL byte cannot match a C-string hash.
    CHECK_FALSE(hasher.verify(std::string("legacy-pass-1\0x", 15), hash).ok);
}

TEST_CASE("unknown or corrupt hashes never verify") {
    const PasswordHasher hasher(PasswordCost::min);
    for (const char* stored : {"", "plain", "$2b$", "$2b$04$short", "$argon2id$v=19$garbage", "$1$abc$def"})
        CHECK_FALSE(hasher.verify("anything-1", stored).ok);
    hasher.verify_dummy("anything-1");  // only spends time
}

TEST_CASE("the password policy explains what is missing") {
    CHECK_FALSE(password_policy_violation("correct-horse-1", "alice"));
    CHECK(password_policy_violation("ab1", "alice").value().find("at least 8") != std::string::npos);
    CHECK(password_policy_violation(std::string(129, 'a') + "1", "alice").value().find("at most 128") != std::string::npos);
    CHECK(password_policy_violation("onlyletters", "alice").value().find("letter and one digit") != std::string::npos);
    CHECK(password_policy_violation("12345678", "alice").value().find("letter and one digit") != std::string::npos);
    CHECK(password_policy_violation("tab\there1", "alice").value().find("control") != std::string::npos);
    CHECK(password_policy_violation("Alice1234", "alice1234").value().find("username") != std::string::npos);
}

TEST_CASE("AUTH_PASSWORD_COST names are checked") {
    CHECK(parse_password_cost("moderate") == PasswordCost::moderate);
    CHECK_THROWS_AS(parse_password_cost("high"), ConfigError);
    CHECK_THROWS_WITH(parse_password_cost("high"), Catch::Matchers::Contains("min, interactive, moderate or sensitive"));
}

}  // namespace
}  // namespace aaiti::auth
