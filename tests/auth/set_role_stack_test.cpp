// `aaiti-auth set-role` as an operator runs it beside a stack: the store the stack's auth service uses,
// named in every message, and no SQLite file made where there is none.
#include <catch2/catch.hpp>

#include <filesystem>

#include "tests/support/native_stack.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using Catch::Matchers::Contains;

namespace aaiti::test {
namespace {

namespace fs = std::filesystem;

std::string register_user(const NativeStack& stack, const std::string& name) {
    return stack
        .run({"curl", "-sS", "--max-time", "20", "--noproxy", "*", "-XPOST",
              "http://127.0.0.1:" + std::to_string(stack.ports().auth) + "/api/auth/register", "-H", "Content-Type: application/json",
              "-d", R"({"username":")" + name + R"(","email":")" + name + R"(@example.com","password":"Correct-Horse-9"})"})
        .out;
}

TEST_CASE("set-role on a native PostgreSQL stack uses its database with the stack's password and names it", "[e2e]") {
    NativeStack stack("replica");
    REQUIRE_THAT(register_user(stack, "ada"), Contains("\"ada\""));
    const std::string where = "PostgreSQL database postgresql://aaiti:****@127.0.0.1:" + std::to_string(stack.ports().postgres) + "/aaiti";

    const auto r = stack.run({binary_path("aaiti-auth"), "set-role", "--username", "ada", "--role", "admin"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Contains("now has role admin in the " + where));

    const auto unknown = stack.run({binary_path("aaiti-auth"), "set-role", "--username", "nobody", "--role", "admin"});
    INFO(unknown.err);
    CHECK(unknown.exit_code == 65);
    CHECK_THAT(unknown.err, Contains("no user named \"nobody\" in the " + where));
    CHECK_FALSE(fs::exists(stack.dir() / "data" / "aaiti.sqlite"));

    stack.run({"mv", "secrets/db_password", "secrets/db_password.away"});
    const auto refused = stack.run({binary_path("aaiti-auth"), "set-role", "--username", "ada", "--role", "user"});
    stack.run({"mv", "secrets/db_password.away", "secrets/db_password"});
    INFO(refused.err);
    CHECK(refused.exit_code == 78);
    CHECK_THAT(refused.err, Contains("no PostgreSQL password"));
    CHECK_THAT(refused.err, Contains("secrets/db_password"));
}

TEST_CASE("set-role on the embedded default stack uses the SQLite file its auth service runs on and names it", "[e2e]") {
    NativeStack stack("");
    REQUIRE_THAT(register_user(stack, "ada"), Contains("\"ada\""));
    const auto r = stack.run({binary_path("aaiti-auth"), "set-role", "--username", "ada", "--role", "admin"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Contains("now has role admin in the SQLite database " + (stack.dir() / ".aaiti" / "data" / "auth.sqlite").string()));
    CHECK_FALSE(fs::exists(stack.dir() / "data" / "aaiti.sqlite"));
}

TEST_CASE("set-role where no stack runs and no store exists names the SQLite file and does not make it", "[e2e]") {
    const TempDir dir("aaiti-set-role");
    ProcessOptions o;
    o.working_dir = dir.path().string();
    o.inherit_environment = false;
    const auto r = run_process({binary_path("aaiti-auth"), "set-role", "--username", "ada", "--role", "admin"}, o);
    INFO(r.err);
    CHECK(r.exit_code == 65);
    CHECK_THAT(r.err, Contains("SQLite database " + (dir.path() / "data" / "aaiti.sqlite").string()));
    CHECK_FALSE(fs::exists(dir.path() / "data" / "aaiti.sqlite"));
}

}  // namespace
}  // namespace aaiti::test
