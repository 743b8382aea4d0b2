// find_stack_database: the one way every verb finds the stack's database and its password.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/config.h"
#include "common/stack_database.h"
#include "tests/support/temp_dir.h"

using Catch::Matchers::Contains;

namespace aaiti::test {
namespace {

Config load(const TempDir& dir, std::map<std::string, std::string> env = {}) {
    ConfigLoadOptions o;
    o.stack_file = (dir / "aaiti.yaml").string();
    o.environment = std::move(env);
    return Config::load(o);
}

// Holds <dir>/.aaiti/supervisor.lock as a running supervisor does, with a state.json naming `primary`.
struct FakeSupervisor {
    int fd = -1;
    FakeSupervisor(const TempDir& dir, const std::string& primary, int primary_port, int other_port) {
        dir.write_file(".aaiti/state.json", R"({"phase":"running","services":[{"name":"postgres","port":)" + std::to_string(other_port) +
                                                R"(,"health":"unhealthy","detail":"retired: postgres-replica was promoted"},)"
                                                R"({"name":"postgres-replica","port":)" + std::to_string(primary_port) +
                                                R"(,"health":"healthy","detail":"primary"},{"name":"redis","port":6390,"health":"healthy"}],)"
                                                R"("database":{"primary":")" + primary + R"("}})");
        dir.write_file(".aaiti/supervisor.lock", "1\n");
        fd = ::open((dir / ".aaiti/supervisor.lock").c_str(), O_RDWR | O_CLOEXEC);
        REQUIRE(::flock(fd, LOCK_EX) == 0);
    }
    ~FakeSupervisor() { ::close(fd); }
};

TEST_CASE("the stack's secrets/db_password is found when nothing else gives a password") {
    const TempDir dir("aaiti-stackdb");
    dir.write_file("aaiti.yaml", "database: {port: 6543}\n");
    dir.write_file("secrets/db_password", "from-secrets\n");
    const auto db = find_stack_database(load(dir));
    CHECK(db.kind == StackDatabase::Kind::postgres);
    CHECK(db.password == "from-secrets");
    CHECK(db.write_url == "postgresql://aaiti:from-secrets@127.0.0.1:6543/aaiti");
    CHECK_THAT(db.password_origin, Contains("secrets/db_password"));
    CHECK(db.describe() == "PostgreSQL database postgresql://aaiti:****@127.0.0.1:6543/aaiti");
}

TEST_CASE("a password is taken from --password-file, then DB_PASSWORD(_FILE), then secrets; one in the URL is kept") {
    const TempDir dir("aaiti-stackdb");
    dir.write_file("aaiti.yaml", "secrets_dir: \"keys\"\n");
    dir.write_file("keys/db_password", "from-secrets\n");
    const auto flag_file = dir.write_file("flag_password", "from-flag\n");
    CHECK(find_stack_database(load(dir, {{"DB_PASSWORD", "from-env"}})).password == "from-env");
    StackDatabaseRequest request;
    request.password_file = flag_file.string();
    CHECK(find_stack_database(load(dir, {{"DB_PASSWORD", "from-env"}}), request).password == "from-flag");
    CHECK(find_stack_database(load(dir)).password == "from-secrets");
    request = {};
    request.url = "postgresql://u:in-url@db:5432/x";
    const auto with_url = find_stack_database(load(dir), request);
    CHECK(with_url.write_url == "postgresql://u:in-url@db:5432/x");
    CHECK(with_url.password == "in-url");
    request.url = "host=db user=u dbname=x";
    CHECK(find_stack_database(load(dir), request).write_url == "host=db user=u dbname=x password='from-secrets'");
}

TEST_CASE("without a password anywhere the message names every place looked") {
    const TempDir dir("aaiti-stackdb");
    dir.write_file("aaiti.yaml", "database: {port: 6543}\n");
    const auto db = find_stack_database(load(dir));
    CHECK(db.password.empty());
    const std::string m = db.missing_password_message();
    CHECK_THAT(m, Contains("no PostgreSQL password for postgresql://aaiti@127.0.0.1:6543/aaiti"));
    const std::string secret = (dir.path() / "secrets/db_password").string();
    for (const std::string& place : {std::string("--password-file"), std::string("DB_PASSWORD_FILE"), std::string("DB_PASSWORD"),
                                     std::string("database.password in"), std::string("WRITE_DB_URL"), secret})
        CHECK_THAT(m, Contains(place));
    // with_password_hint turns libpq's bare refusal into it, and leaves other failures alone.
    CHECK_THROWS_WITH(with_password_hint(db, []() -> int { throw UnavailableError("x: fe_sendauth: no password supplied"); }), m);
    CHECK_THROWS_WITH(with_password_hint(db, []() -> int { throw UnavailableError("connection refused"); }), "connection refused");
}

TEST_CASE("a running native stack's primary is the server, after a failover too, unless DB_HOST/DB_PORT or WRITE_DB_URL say otherwise") {
    const TempDir dir("aaiti-stackdb");
    dir.write_file("aaiti.yaml", "database: {port: 6543, replica: {port: 6544}}\n");
    dir.write_file("secrets/db_password", "pw\n");
    const FakeSupervisor supervisor(dir, "postgres-replica", 6544, 6543);
    const auto db = find_stack_database(load(dir));
    CHECK(db.write_url == "postgresql://aaiti:pw@127.0.0.1:6544/aaiti");
    REQUIRE(db.running);
    CHECK(db.running->database_primary == "postgres-replica");
    CHECK(stack_redis_url(load(dir), running_redis_port(db.running)) == "redis://127.0.0.1:6390");
    dir.write_file("secrets/redis_password", "r p\n");
    CHECK(stack_redis_url(load(dir), running_redis_port(db.running)) == "redis://:r%20p@127.0.0.1:6390");
    CHECK(stack_redis_url(load(dir, {{"REDIS_URL", "redis://other:1"}}), 6390) == "redis://other:1");
    CHECK(find_stack_database(load(dir, {{"DB_PORT", "7000"}})).write_url == "postgresql://aaiti:pw@127.0.0.1:7000/aaiti");
    CHECK(find_stack_database(load(dir, {{"WRITE_DB_URL", "postgresql://a@b/c"}})).write_url == "postgresql://a:pw@b/c");
}

TEST_CASE("set-role's store: SQLite of the running stack without PostgreSQL, else SQLITE_DB_PATH, never a PostgreSQL stack's SQLite") {
    const TempDir dir("aaiti-stackdb");
    dir.write_file("aaiti.yaml", "database: {port: 6543}\n");
    StackDatabaseRequest request;
    request.sqlite_allowed = true;
    {
        const FakeSupervisor supervisor(dir, "", 0, 0);
        const auto db = find_stack_database(load(dir), request);
        CHECK(db.kind == StackDatabase::Kind::sqlite);
        CHECK(db.sqlite_path == native_sqlite_path((dir.path() / ".aaiti").string(), "auth"));
    }
    {
        const FakeSupervisor supervisor(dir, "postgres-replica", 6544, 6543);
        CHECK(find_stack_database(load(dir), request).kind == StackDatabase::Kind::postgres);
    }
    const auto alone = find_stack_database(load(dir), request);
    CHECK(alone.kind == StackDatabase::Kind::sqlite);
    CHECK_THAT(alone.describe(), Contains("data/aaiti.sqlite"));
    CHECK(find_stack_database(load(dir, {{"SQLITE_DB_PATH", "/tmp/x.sqlite"}}), request).sqlite_path == "/tmp/x.sqlite");
}

}  // namespace
}  // namespace aaiti::test
