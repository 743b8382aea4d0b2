// The input rules of the handlers as plain functions (unit): media types and identifiers.
#include <catch2/catch.hpp>

#include "services/auth/json_io.h"
#include "services/auth/validation.h"

namespace aaiti::auth {
namespace {

TEST_CASE("a body is JSON only when its Content-Type is application/json, parameters and case aside") {
    for (const char* yes : {"application/json", "APPLICATION/JSON", "application/json;charset=utf-8",
                            "application/json; charset=\"utf-8\"", "\tapplication/json ; foo=bar"})
        CHECK(is_json_content_type(yes));
    for (const char* no : {"", " ", "text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded",
                           "multipart/form-data; boundary=x", "application/jsonx", "application/json-patch+json",
                           "application/ json", "application", "json", "text/json"})
        CHECK_FALSE(is_json_content_type(no));
}

TEST_CASE("control characters are refused in every identifier, NUL first of all") {
    using namespace std::string_literals;
    for (const auto& bad : {"name\0junk"s, "\0"s, "a\x01"s, "a\x1f"s, "a\x7f"s, "a\nb"s, "a\tb"s, "\rname"s}) {
        INFO("value " << bad.size() << " bytes");
        const auto why = control_character_violation("username", bad);
        REQUIRE(why);
        CHECK(why->rfind("username must not contain control characters", 0) == 0);
        CHECK(username_violation(bad) == why);
        CHECK(email_violation("a@example.com" + bad).value().find("email must not contain control characters") == 0);
        CHECK(person_name_violation("firstName", bad).value().find("firstName must not") == 0);
    }
    for (const char* fine : {"", "alice", "Zoë", "a b", "x~y"}) CHECK_FALSE(control_character_violation("f", fine));
}

TEST_CASE("a given but invalid username is told which rule it breaks, not that it is required") {
    CHECK_FALSE(username_violation("alice_01.b-c"));
    CHECK(username_violation("ab").value() == "username must be 3 to 32 characters long (this one has 2)");
    CHECK(username_violation(std::string(33, 'a')).value().find("3 to 32") != std::string::npos);
    CHECK(username_violation("bad name").value() == "username may contain only letters, digits, '_', '.' and '-' (not ' ')");
    CHECK(username_violation("a@b.c").value().find("(not '@')") != std::string::npos);
    CHECK(username_violation("Zoë1").value().find("no non-ASCII") != std::string::npos);
    for (const char* name : {"ab", "bad name", "a@b.c"}) CHECK(username_violation(name).value().find("required") == std::string::npos);
}

TEST_CASE("e-mails and person names: the rule each breaks") {
    CHECK_FALSE(email_violation("a@example.com"));
    for (const char* bad : {"nope", "@example.com", "a@@example.com", "a@.com", "a@example.", "a @example.com", "a@example"})
        CHECK(email_violation(bad).value() == "email must look like name@example.com");
    CHECK(email_violation(std::string(250, 'a') + "@b.co").value().find("at most 254") != std::string::npos);
    CHECK_FALSE(person_name_violation("lastName", std::string(100, 'x')));
    CHECK(person_name_violation("lastName", std::string(101, 'x')).value() == "lastName must be at most 100 characters long");
}

}  // namespace
}  // namespace aaiti::auth
