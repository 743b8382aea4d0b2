#include <catch2/catch.hpp>

#include <fstream>
#include <unistd.h>

#include "common/error.h"
#include "common/secrets.h"

using aaiti::mask_secrets_in_text;
using aaiti::mask_secrets_in_url;

TEST_CASE("URL passwords are masked and the rest of the URL is kept") {
    CHECK(mask_secrets_in_url("postgresql://app:s3cret@db:5432/x") == "postgresql://app:****@db:5432/x");
    CHECK(mask_secrets_in_url("redis://:pw@127.0.0.1:6379/0") == "redis://:****@127.0.0.1:6379/0");
    CHECK(mask_secrets_in_url("postgresql://app@db/x") == "postgresql://app@db/x");
    CHECK(mask_secrets_in_url("http://example.test/a?b=c") == "http://example.test/a?b=c");
}

TEST_CASE("a password containing @ is masked whole") {
    CHECK(mask_secrets_in_url("postgresql://app:p@ss@db/x") == "postgresql://app:****@db/x");
}

TEST_CASE("credential query parameters and libpq key=value passwords are masked") {
    CHECK(mask_secrets_in_url("postgresql://db/x?user=a&password=hunter2&sslmode=off") ==
          "postgresql://db/x?user=a&password=****&sslmode=off");
    CHECK(mask_secrets_in_url("host=db password=hunter2 dbname=x") == "host=db password=**** dbname=x");
    CHECK(mask_secrets_in_url("host=db password='hun ter2' dbname=x") == "host=db password=**** dbname=x");
}

TEST_CASE("a redis-sentinel URL's sentinel_password parameter is masked like the userinfo password") {
    CHECK(mask_secrets_in_url("redis-sentinel://:pw@s1,s2:26380/m/1?sentinel_password=hunter2&sentinel_username=ops") ==
          "redis-sentinel://:****@s1,s2:26380/m/1?sentinel_password=****&sentinel_username=ops");
    CHECK(mask_secrets_in_text("REDIS_URL=redis-sentinel://s1/m?sentinel_username=ops&sentinel_password=hunter2 refused") ==
          "REDIS_URL=redis-sentinel://s1/m?sentinel_username=ops&sentinel_password=**** refused");
}

TEST_CASE("every URL inside free text is masked") {
    const std::string text = "cannot reach postgresql://a:one@h1/x nor redis://:two@h2:1, giving up; token=three";
    const std::string masked = mask_secrets_in_text(text);
    CHECK(masked == "cannot reach postgresql://a:****@h1/x nor redis://:****@h2:1, giving up; token=****");
    CHECK(masked.find("one") == std::string::npos);
}

TEST_CASE("text without secrets passes unchanged") {
    CHECK(mask_secrets_in_text("GET /api/users 200 in 3 ms") == "GET /api/users 200 in 3 ms");
    CHECK(mask_secrets_in_text("password_policy=strict") == "password_policy=strict");
}

TEST_CASE("secret keys are recognised by name") {
    CHECK(aaiti::is_secret_key("DB_PASSWORD"));
    CHECK(aaiti::is_secret_key("JWT_SECRET"));
    CHECK(aaiti::is_secret_key("SMTP_PASS"));
    CHECK(aaiti::is_secret_key("SLACK_WEBHOOK"));
    CHECK_FALSE(aaiti::is_secret_key("DB_HOST"));
    CHECK_FALSE(aaiti::is_secret_key("SMTP_PORT"));
}

TEST_CASE("a secret file is read without its trailing newline") {
    const std::string path = "/tmp/aaiti-secret-" + std::to_string(::getpid()) + ".txt";
    std::ofstream(path) << "hunter2\n";
    CHECK(aaiti::read_secret_file(path, "DB_PASSWORD_FILE") == "hunter2");
    std::remove(path.c_str());
}

TEST_CASE("a missing secret file is a ConfigError naming the variable and the path") {
    try {
        aaiti::read_secret_file("/nonexistent/secret", "DB_PASSWORD_FILE");
        FAIL("expected ConfigError");
    } catch (const aaiti::ConfigError& e) {
        CHECK_THAT(e.what(), Catch::Contains("DB_PASSWORD_FILE") && Catch::Contains("/nonexistent/secret"));
        CHECK(e.exit_code() == 78);
    }
}
