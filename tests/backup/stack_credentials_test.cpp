// `aaitictl backup create` and `restore --db` beside a stack that `aaitictl up` runs natively, from an
// operator's shell with no DB_* variables: the password is the stack's (secrets/db_password), and when it
// is nowhere the refusal names every place it was looked for.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/support/native_stack.h"

using Catch::Matchers::Contains;

namespace aaiti::test {
namespace {

TEST_CASE("backup create and restore --db find the native stack's password; without one they name where they looked",
          "[e2e][backup]") {
    NativeStack stack("replica");
    const std::vector<std::string> repo = {"--repo", (stack.dir() / "backups").string(), "--key-file", "secrets/backup_key"};
    auto with_repo = [&](std::vector<std::string> args) {
        args.insert(args.end(), repo.begin(), repo.end());
        return args;
    };

    const auto created = stack.aaitictl(with_repo({"backup", "create", "-o", "json", "--no-progress"}));
    INFO(created.out << created.err);
    REQUIRE(created.exit_code == 0);
    CHECK_THAT(created.err, !Contains("fe_sendauth"));

    // --db without a password: the stack's password is added to it.
    const std::string target = "postgresql://aaiti@127.0.0.1:" + std::to_string(stack.ports().postgres) + "/restored";
    const auto restored = stack.aaitictl(with_repo({"restore", "--latest", "--db", target, "--create", "--no-progress"}));
    INFO(restored.out << restored.err);
    CHECK(restored.exit_code == 0);
    CHECK_THAT(restored.out, Contains("restored backup " + nlohmann::json::parse(created.out)["id"].get<std::string>()));

    // --password-file is the first place looked.
    const auto from_flag = stack.aaitictl(with_repo({"backup", "create", "--no-progress", "--password-file", "secrets/db_password"}));
    INFO(from_flag.out << from_flag.err);
    CHECK(from_flag.exit_code == 0);

    stack.run({"mv", "secrets/db_password", "secrets/db_password.away"});
    const auto refused = stack.aaitictl(with_repo({"backup", "create", "--no-progress"}));
    const auto refused_restore = stack.aaitictl(with_repo({"restore", "--latest", "--db", target, "--force", "--no-progress"}));
    stack.run({"mv", "secrets/db_password.away", "secrets/db_password"});
    INFO(refused.err << refused_restore.err);
    CHECK(refused.exit_code == 78);
    for (const auto& err : {refused.err, refused_restore.err}) {
        CHECK_THAT(err, Contains("no PostgreSQL password"));
        for (const char* place : {"--password-file", "DB_PASSWORD_FILE", "DB_PASSWORD", "secrets/db_password"}) CHECK_THAT(err, Contains(place));
    }
    CHECK_THAT(refused.err, Contains("WRITE_DB_URL"));
    CHECK_THAT(refused_restore.err, Contains("the --db URL"));
    CHECK(refused_restore.exit_code == 78);
}

}  // namespace
}  // namespace aaiti::test
