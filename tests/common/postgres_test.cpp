// common/postgres.h against the real PostgreSQL 15 of the aaiti_servers fixture ([pg]), and its error
// paths, which need no server (a closed port, malformed URLs).
#include <catch2/catch.hpp>

#include <string>

#include <pqxx/pqxx>

#include "common/error.h"
#include "common/postgres.h"
#include "tests/support/network.h"
#include "tests/support/test_servers.h"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace aaiti::test {
namespace {

std::string scalar(pqxx::connection& conn, const std::string& sql) {
    pqxx::work tx(conn);
    const auto row = tx.exec1(sql);
    tx.commit();
    return row[0].c_str();
}

TEST_CASE("connect_postgres reaches the fixture's PostgreSQL 15 in the test's own database", "[pg]") {
    TestDatabase db("connect");
    const auto conn = connect_postgres({db.url()});
    REQUIRE(conn);
    CHECK_THAT(scalar(*conn, "SELECT version()"), StartsWith("PostgreSQL 15."));
    CHECK(scalar(*conn, "SELECT current_database()") == db.name());
}

TEST_CASE("connect_postgres sets application_name, visible in pg_stat_activity", "[pg]") {
    TestDatabase db("appname");
    PostgresOptions options{db.url()};
    options.application_name = "aaiti-appname-probe";
    const auto conn = connect_postgres(options);
    // Seen from another session, as an operator would look it up.
    const auto count = query_scalar(test_servers().pg_superuser_url,
                                    "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db.name() +
                                        "' AND application_name = 'aaiti-appname-probe'");
    CHECK(count == "1");
    CHECK(scalar(*conn, "SHOW application_name") == "aaiti-appname-probe");

    SECTION("the default names aaitictl") {
        const auto defaulted = connect_postgres({db.url()});
        CHECK(scalar(*defaulted, "SHOW application_name") == "aaitictl");
    }
}

TEST_CASE("an application_name already in the URL wins over the option", "[pg]") {
    TestDatabase db("appname_url");
    const auto conn = connect_postgres({db.url() + "?application_name=from-url"});
    CHECK(scalar(*conn, "SHOW application_name") == "from-url");
}

TEST_CASE("a database that does not exist is UnavailableError naming it, password masked", "[pg]") {
    const auto& servers = test_servers();
    // trust authentication ignores the password, so the server gets as far as looking the database up
    const std::string url = "postgresql://postgres:pg-s3cret@127.0.0.1:" + std::to_string(servers.pg_port) +
                            "/aaiti_no_such_db";
    try {
        connect_postgres({url});
        FAIL("connect_postgres accepted a database that does not exist");
    } catch (const UnavailableError& e) {
        const std::string message = e.what();
        CHECK_THAT(message, Contains("postgresql://postgres:****@127.0.0.1:" + std::to_string(servers.pg_port) +
                                     "/aaiti_no_such_db"));
        CHECK_THAT(message, Contains("does not exist"));
        CHECK_THAT(message, !Contains("pg-s3cret"));
    }
}

TEST_CASE("a refused PostgreSQL connection is UnavailableError with the URL's password masked") {
    const int port = free_loopback_port();  // nothing listens there
    const std::string url = "postgresql://app:s3cret-pw@127.0.0.1:" + std::to_string(port) + "/appdb";
    try {
        connect_postgres({url});
        FAIL("connect_postgres succeeded on a closed port");
    } catch (const UnavailableError& e) {
        const std::string message = e.what();
        INFO(message);
        CHECK_THAT(message, Contains("postgresql://app:****@127.0.0.1:" + std::to_string(port) + "/appdb"));
        CHECK_THAT(message, !Contains("s3cret-pw"));
        CHECK(e.exit_code() == exit_code::k_unavailable);
    }
}

TEST_CASE("a refused key=value connection string has its password masked too") {
    const int port = free_loopback_port();
    const std::string conninfo =
        "host=127.0.0.1 port=" + std::to_string(port) + " dbname=appdb user=app password=kv-s3cret";
    try {
        connect_postgres({conninfo});
        FAIL("connect_postgres succeeded on a closed port");
    } catch (const UnavailableError& e) {
        const std::string message = e.what();
        INFO(message);
        CHECK_THAT(message, Contains("127.0.0.1") && Contains(std::to_string(port)));
        CHECK_THAT(message, !Contains("kv-s3cret"));
    }
}

TEST_CASE("a malformed PostgreSQL URL is a ConfigError that says what is wrong, password masked") {
    const auto [url, why] = GENERATE(table<std::string, std::string>({
        {"postgresql://app:s3cret@127.0.0.1:5432/db?no_such_option=1", "no_such_option"},
        {"postgresql://app:s3cret@[::1/db", "["},
        {"host=127.0.0.1 password=s3cret port", "port"},
    }));
    INFO(url);
    try {
        connect_postgres({url});
        FAIL("connect_postgres accepted a malformed URL");
    } catch (const ConfigError& e) {
        const std::string message = e.what();
        INFO(message);
        CHECK_THAT(message, Contains("not valid") && Contains(why));
        CHECK_THAT(message, !Contains("s3cret"));
        CHECK(e.exit_code() == exit_code::k_config);
    }
}

TEST_CASE("a PostgreSQL URL with a non-numeric port is a ConfigError, not an unreachable server") {
    try {
        connect_postgres({"postgresql://app:s3cret@127.0.0.1:notaport/db"});
        FAIL("connect_postgres accepted a non-numeric port");
    } catch (const Error& e) {
        const std::string message = e.what();
        INFO(message);
        CHECK(dynamic_cast<const ConfigError*>(&e) != nullptr);
        CHECK_THAT(message, Contains("notaport"));
        CHECK_THAT(message, !Contains("s3cret"));
    }
}

}  // namespace
}  // namespace aaiti::test
