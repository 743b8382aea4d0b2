#pragma once
// The PostgreSQL 15 + Redis started once per ctest run by the `aaiti_servers` fixture (test_servers.sh),
// and a fresh database per test. Only for tests tagged [pg] or [e2e]: ctest starts the fixture for them.
#include <string>
#include <string_view>

namespace aaiti::test {

struct TestServers {
    std::string pg_host;             // always 127.0.0.1
    int pg_port = 0;
    std::string pg_user;             // the superuser, "postgres" (trust authentication, no password)
    std::string pg_superuser_url;    // postgresql://postgres@127.0.0.1:PORT/postgres
    std::string pg_socket_dir;       // unix socket directory (host=<dir> in libpq terms)
    std::string pg_bin_dir;          // /usr/lib/postgresql/15/bin: pg_dump, pg_restore, psql, ...
    std::string pg_log;              // the server log, worth quoting when a test fails oddly
    // A hot-standby streaming replica of that primary (pg_basebackup -R), same user, read-only. Empty/0
    // when the env file came from a script without one; pg_replica_url() then throws.
    std::string pg_replica_host;     // always 127.0.0.1
    int pg_replica_port = 0;
    std::string pg_replica_superuser_url;  // postgresql://postgres@127.0.0.1:REPLICA_PORT/postgres
    std::string pg_replica_socket_dir;
    std::string pg_replica_log;
    std::string redis_host;          // always 127.0.0.1
    int redis_port = 0;
    std::string redis_url;           // redis://127.0.0.1:PORT
    std::string data_dir;            // the run's directory (removed at the end of the run)

    // postgresql://postgres@127.0.0.1:PORT/<database>
    std::string pg_url(std::string_view database) const;
    // postgresql://postgres@127.0.0.1:REPLICA_PORT/<database>: the same database, read on the replica
    // (what the primary committed shows up there shortly after; poll for it).
    std::string pg_replica_url(std::string_view database) const;
};

// Reads the env file named by $AAITI_TEST_SERVERS_ENV once. Throws std::runtime_error (Catch reports the
// message and fails the test) when it is missing, e.g. when a [pg] test runs without the fixture.
const TestServers& test_servers();

// Parses an env file written by test_servers.sh (what test_servers() does with $AAITI_TEST_SERVERS_ENV).
TestServers read_test_servers_env(const std::string& path);

// A uniquely named database created for one test and dropped (WITH (FORCE): open connections are
// terminated) when the object goes away. Creating it fails the test with the server's message.
class TestDatabase {
public:
    // `label` becomes part of the name (lower-cased, [a-z0-9_] only) to make a leftover recognisable.
    explicit TestDatabase(std::string_view label = "test");
    ~TestDatabase();
    TestDatabase(const TestDatabase&) = delete;
    TestDatabase& operator=(const TestDatabase&) = delete;

    const std::string& name() const { return name_; }
    // postgresql://postgres@127.0.0.1:PORT/<name> (superuser; no password)
    const std::string& url() const { return url_; }

private:
    std::string name_;
    std::string url_;
};

// Runs one SQL statement as the superuser on `url` (no result rows returned): for setting up roles,
// extensions or data without pulling libpqxx into a test. Throws std::runtime_error with the server's message.
void exec_sql(const std::string& url, const std::string& sql);

// The first column of the first row of `sql` as text ("" for NULL or no row). Throws like exec_sql.
std::string query_scalar(const std::string& url, const std::string& sql);

}  // namespace aaiti::test
