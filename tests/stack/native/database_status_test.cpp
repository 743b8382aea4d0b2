// database_status and promote_replica against the fixture's real primary and streaming replica, and a
// promotion on a throwaway replica of our own (the fixture's replica is shared by other tests).
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <sys/stat.h>
#include <thread>

#include "common/error.h"
#include "stack/native/database_status.h"
#include "tests/support/network.h"
#include "tests/support/process.h"
#include "tests/support/test_servers.h"

using Catch::Matchers::Contains;
using namespace std::chrono_literals;

namespace aaiti::stack::native {
namespace {

// The fixture's superuser has trust authentication: no password needed.
const DatabaseCredentials k_fixture_credentials{"postgres", "", "postgres"};

std::vector<DatabaseNodeStatus> fixture_status() {
    const auto& servers = test::test_servers();
    return database_status({{"postgres", servers.pg_port}, {"postgres-replica", servers.pg_replica_port}},
                           k_fixture_credentials, std::chrono::seconds(5));
}

// A hot-standby replica of the fixture primary in its own /tmp directory, started the way test_servers.sh
// starts the fixture's (pg_basebackup -R, pg_ctl as the fixture's OS user when we are root), so that a test
// may promote it. Stopped (immediate) and removed on destruction. max_connections must not be lower than
// the primary's (200), or a hot standby refuses to start.
class ThrowawayReplica {
public:
    ThrowawayReplica() : port_(test::free_loopback_port()) {
        char dir_template[] = "/tmp/aaiti-promote.XXXXXX";
        if (!::mkdtemp(dir_template)) throw std::runtime_error("mkdtemp failed");
        dir_ = dir_template;
        ::chmod(dir_.c_str(), 0755);  // the PostgreSQL OS user must reach its data directory
        const auto r = run_script(
            "chown_if_root \"$dir\"\n"
            "as_pg \"$AAITI_TEST_PG_BINDIR/pg_basebackup\" -h 127.0.0.1 -p \"$AAITI_TEST_PG_PORT\" -U postgres -D \"$dir/data\""
            " -R -X stream -c fast --no-sync\n"
            "as_pg \"$AAITI_TEST_PG_BINDIR/pg_ctl\" -D \"$dir/data\" -l \"$dir/postgres.log\" -w -t 60 -o \"-p $port -k $dir"
            " -c listen_addresses=127.0.0.1 -c hot_standby=on -c fsync=off -c max_connections=200 -c shared_buffers=16MB\" start"
            " || { tail -n 20 \"$dir/postgres.log\" >&2; exit 1; }\n");
        if (r.exit_code != 0) {
            stop();
            throw std::runtime_error("starting a throwaway replica failed: " + r.out + r.err);
        }
    }
    ~ThrowawayReplica() { stop(); }
    ThrowawayReplica(const ThrowawayReplica&) = delete;
    ThrowawayReplica& operator=(const ThrowawayReplica&) = delete;

    int port() const { return port_; }

private:
    test::ProcessResult run_script(const std::string& body) const {
        const std::string script =
            "set -euo pipefail\n"
            ". \"$AAITI_TEST_SERVERS_ENV\"\n"
            "as_pg() { if [ \"$(id -u)\" -eq 0 ]; then runuser -u \"$AAITI_TEST_PG_OS_USER\" -- \"$@\"; else \"$@\"; fi; }\n"
            "chown_if_root() { if [ \"$(id -u)\" -eq 0 ]; then chown \"$AAITI_TEST_PG_OS_USER\" \"$1\"; fi; }\n" +
            body;
        test::ProcessOptions options;
        options.env = {{"dir", dir_}, {"port", std::to_string(port_)}};
        options.timeout = 120s;
        return test::run_process({"bash", "-c", script}, options);
    }
    void stop() {
        if (dir_.empty()) return;
        run_script(
            "if [ -f \"$dir/data/postmaster.pid\" ]; then as_pg \"$AAITI_TEST_PG_BINDIR/pg_ctl\" -D \"$dir/data\" -m immediate -w stop"
            " >/dev/null 2>&1 || true; fi\n");
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
        dir_.clear();
    }

    int port_ = 0;
    std::string dir_;
};

TEST_CASE("database_status shows the primary streaming to its replica, and the replica's lag", "[pg]") {
    // Right after the fixture starts, the WAL receiver may still be catching up: poll for "streaming".
    auto statuses = fixture_status();
    for (int i = 0; i < 100 && statuses[0].replicas_streaming.empty(); ++i) {
        std::this_thread::sleep_for(100ms);
        statuses = fixture_status();
    }
    REQUIRE(statuses.size() == 2);
    const auto& primary = statuses[0];
    INFO(primary.error);
    CHECK(primary.name == "postgres");
    CHECK(primary.reachable);
    CHECK(primary.role == "primary");
    REQUIRE(primary.replicas_streaming.size() >= 1);
    CHECK_THAT(primary.replicas_streaming[0], Contains("127.0.0.1:") && Contains("/"));
    CHECK_FALSE(primary.lag_bytes.has_value());
    // The fixture's replica streams through a slot (tests/support/test_servers.sh): reported, in use.
    const auto slot = std::find_if(primary.slots.begin(), primary.slots.end(),
                                   [](const ReplicationSlot& s) { return s.name == "aaiti_test_replica"; });
    REQUIRE(slot != primary.slots.end());
    CHECK(slot->active);
    CHECK(slot->wal_status == "reserved");
    REQUIRE(slot->retained_bytes.has_value());
    CHECK(*slot->retained_bytes >= 0);

    const auto& replica = statuses[1];
    INFO(replica.error);
    CHECK(replica.name == "postgres-replica");
    CHECK(replica.port == test::test_servers().pg_replica_port);
    CHECK(replica.reachable);
    CHECK(replica.role == "replica");
    REQUIRE(replica.lag_bytes.has_value());
    CHECK(*replica.lag_bytes >= 0);
    if (replica.replay_lag_seconds) CHECK(*replica.replay_lag_seconds >= 0.0);
    CHECK(replica.replicas_streaming.empty());
    CHECK(replica.slots.empty());
}

TEST_CASE("database_status reports a closed port as unreachable, naming the port and not the password", "[pg]") {
    const int closed = test::free_loopback_port();
    const auto statuses = database_status({{"postgres-replica", closed}}, {"aaiti", "s3cret-pw", "aaiti"}, std::chrono::seconds(2));
    REQUIRE(statuses.size() == 1);
    const auto& s = statuses[0];
    INFO(s.error);
    CHECK_FALSE(s.reachable);
    CHECK(s.role.empty());
    CHECK_THAT(s.error, Contains(std::to_string(closed)));
    CHECK_FALSE(s.error.find("s3cret-pw") != std::string::npos);
}

TEST_CASE("promote_replica refuses a primary and an unreachable node", "[pg]") {
    const DatabaseNode primary{"postgres", test::test_servers().pg_port};
    CHECK_THROWS_MATCHES(promote_replica(primary, k_fixture_credentials), DataError,
                         Catch::Matchers::Message("postgres on " + std::to_string(primary.port) + " is already a primary"));
    CHECK_THROWS_AS(promote_replica({"postgres-replica", test::free_loopback_port()}, k_fixture_credentials), UnavailableError);
}

TEST_CASE("promote_replica turns a throwaway replica into a primary", "[pg]") {
    ThrowawayReplica throwaway;
    const DatabaseNode node{"postgres-replica", throwaway.port()};
    auto before = database_status({node}, k_fixture_credentials, std::chrono::seconds(5));
    INFO(before[0].error);
    REQUIRE(before[0].role == "replica");

    promote_replica(node, k_fixture_credentials);

    const auto after = database_status({node}, k_fixture_credentials, std::chrono::seconds(5));
    CHECK(after[0].role == "primary");
    CHECK_THROWS_AS(promote_replica(node, k_fixture_credentials), DataError);
}

}  // namespace
}  // namespace aaiti::stack::native
