// Pins that the test harness itself works: the aaiti_servers fixture's PostgreSQL and Redis, per-test
// databases, and the process/port/temp-dir helpers the e2e tests build on.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <thread>

#include <signal.h>

#include <hiredis/hiredis.h>
#include <libpq-fe.h>

#include "tests/support/http_peer.h"
#include "tests/support/network.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_servers.h"

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace aaiti::test {
namespace {

bool database_exists(const std::string& name) {
    return query_scalar(test_servers().pg_superuser_url,
                        "SELECT count(*) FROM pg_database WHERE datname = '" + name + "'") == "1";
}

TEST_CASE("the fixture's PostgreSQL is version 15 and listens on 127.0.0.1 only", "[pg]") {
    const auto& servers = test_servers();
    CHECK(servers.pg_host == "127.0.0.1");
    CHECK_THAT(servers.pg_superuser_url, StartsWith("postgresql://postgres@127.0.0.1:"));
    CHECK_THAT(query_scalar(servers.pg_superuser_url, "SHOW server_version_num"), StartsWith("15"));
    CHECK(query_scalar(servers.pg_superuser_url, "SHOW listen_addresses") == "127.0.0.1");
    CHECK(std::filesystem::exists(servers.pg_bin_dir + "/pg_dump"));
}

TEST_CASE("two TestDatabases are distinct, usable, and dropped when they go away", "[pg]") {
    std::string first_name;
    std::string second_name;
    {
        TestDatabase first("harness");
        TestDatabase second("harness");
        first_name = first.name();
        second_name = second.name();
        REQUIRE(first_name != second_name);
        CHECK(first.url() == test_servers().pg_url(first_name));
        CHECK(database_exists(first_name));
        CHECK(database_exists(second_name));

        exec_sql(first.url(), "CREATE TABLE only_in_first (id int)");
        CHECK(query_scalar(first.url(), "SELECT current_database()") == first_name);
        CHECK(query_scalar(first.url(), "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_first'") == "1");
        CHECK(query_scalar(second.url(), "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_first'") == "0");
    }
    CHECK_FALSE(database_exists(first_name));
    CHECK_FALSE(database_exists(second_name));
}

TEST_CASE("a TestDatabase is dropped even while a connection to it is still open", "[pg]") {
    std::string name;
    PGconn* held = nullptr;
    {
        TestDatabase db("held_open");
        name = db.name();
        held = PQconnectdb(db.url().c_str());
        REQUIRE(PQstatus(held) == CONNECTION_OK);
    }
    CHECK_FALSE(database_exists(name));
    PQfinish(held);
}

TEST_CASE("the fixture's replica is a hot standby on 127.0.0.1 that receives what the primary commits", "[pg]") {
    const auto& servers = test_servers();
    REQUIRE(servers.pg_replica_port != 0);
    CHECK(servers.pg_replica_port != servers.pg_port);
    CHECK(servers.pg_replica_host == "127.0.0.1");
    CHECK(query_scalar(servers.pg_replica_superuser_url, "SELECT pg_is_in_recovery()") == "t");
    TestDatabase db("replica");
    exec_sql(db.url(), "CREATE TABLE t (v text); INSERT INTO t VALUES ('from the primary')");
    // Streaming is asynchronous: poll (first for the database, then for the row), never assume a delay.
    std::string seen;
    for (int i = 0; i < 400 && seen != "from the primary"; ++i) {
        try {
            seen = query_scalar(servers.pg_replica_url(db.name()), "SELECT v FROM t");
        } catch (const std::runtime_error&) {  // the database or the table is not there yet
        }
        if (seen != "from the primary") std::this_thread::sleep_for(25ms);
    }
    CHECK(seen == "from the primary");
    CHECK_THROWS(exec_sql(servers.pg_replica_url(db.name()), "INSERT INTO t VALUES ('x')"));  // read-only
}

// Without a slot the primary recycles WAL the replica has not received yet (each TestDatabase forces two
// checkpoints), and a replica a moment behind never catches up again: CI saw a new database never arrive.
TEST_CASE("the fixture's replica streams through a physical replication slot, so the primary keeps its WAL", "[pg]") {
    const auto& servers = test_servers();
    CHECK(query_scalar(servers.pg_replica_superuser_url, "SHOW primary_slot_name") == "aaiti_test_replica");
    CHECK(query_scalar(servers.pg_superuser_url,
                       "SELECT slot_type FROM pg_replication_slots WHERE slot_name = 'aaiti_test_replica'") == "physical");
}

TEST_CASE("the fixture's Redis answers PING", "[pg]") {
    const auto& servers = test_servers();
    CHECK(servers.redis_url == "redis://127.0.0.1:" + std::to_string(servers.redis_port));
    timeval timeout{5, 0};
    redisContext* ctx = redisConnectWithTimeout(servers.redis_host.c_str(), servers.redis_port, timeout);
    REQUIRE(ctx != nullptr);
    INFO("hiredis: " << ctx->errstr);
    REQUIRE(ctx->err == 0);
    auto* reply = static_cast<redisReply*>(redisCommand(ctx, "PING"));
    REQUIRE(reply != nullptr);
    CHECK(reply->type == REDIS_REPLY_STATUS);
    CHECK(std::string(reply->str, reply->len) == "PONG");
    freeReplyObject(reply);
    redisFree(ctx);
}

TEST_CASE("a missing servers env file is reported with the way to get one") {
    REQUIRE_THROWS_WITH(read_test_servers_env("/nonexistent/servers.env"),
                        Contains("/nonexistent/servers.env") && Contains("aaiti_servers fixture") &&
                            Contains("ctest"));
}

TEST_CASE("run_process returns exit code, stdout and stderr") {
    const auto r = run_process({"sh", "-c", "echo out; echo err >&2; exit 3"});
    CHECK(r.exit_code == 3);
    CHECK(r.out == "out\n");
    CHECK(r.err == "err\n");
    CHECK_FALSE(r.timed_out);
}

TEST_CASE("run_process does not deadlock on large output on both streams and large stdin") {
    // 8 MiB on each stream: far beyond a pipe buffer (64 KiB), so a reader that drains one stream at a time
    // would block forever.
    const auto r = run_process({"sh", "-c", "head -c 8388608 /dev/zero; head -c 8388608 /dev/zero >&2"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.size() == 8388608);
    CHECK(r.err.size() == 8388608);

    ProcessOptions options;
    options.stdin_data = std::string(4 << 20, 'x');
    const auto echoed = run_process({"cat"}, options);
    CHECK(echoed.exit_code == 0);
    CHECK(echoed.out == *options.stdin_data);
}

TEST_CASE("run_process kills the process group on timeout") {
    ProcessOptions options;
    options.timeout = 300ms;
    // The grandchild (sleep) holds stdout open: the kill must reach it too, or the read would hang.
    const auto r = run_process({"sh", "-c", "sleep 30; echo never"}, options);
    CHECK(r.timed_out);
    CHECK(r.term_signal == SIGKILL);
    CHECK(r.exit_code == 128 + SIGKILL);
}

TEST_CASE("run_process applies environment changes and the working directory") {
    TempDir dir;
    ProcessOptions options;
    options.env = {{"AAITI_TEST_VALUE", "hello world"}};
    options.unset_env = {"HOME"};
    options.working_dir = dir.path().string();
    const auto r = run_process({"sh", "-c", "echo \"$AAITI_TEST_VALUE|${HOME-unset}|$(pwd -P)\""}, options);
    CHECK(r.out == "hello world|unset|" + std::filesystem::canonical(dir.path()).string() + "\n");
}

TEST_CASE("run_process with a clean environment passes only the given variables and PATH") {
    ::setenv("AAITI_TEST_LEAK", "leaked", 1);
    ProcessOptions options;
    options.inherit_environment = false;
    options.env = {{"ONLY", "this"}};
    const auto r = run_process({"sh", "-c", "env | grep -v '^PWD=\\|^SHLVL=\\|^_=' | sort"}, options);
    ::unsetenv("AAITI_TEST_LEAK");
    CHECK_THAT(r.out, Contains("ONLY=this\n") && Contains("PATH="));
    CHECK_THAT(r.out, !Contains("AAITI_TEST_LEAK"));
}

TEST_CASE("run_process can give the child a terminal as stdout") {
    ProcessOptions options;
    options.stdout_is_terminal = true;
    CHECK(run_process({"sh", "-c", "[ -t 1 ]"}, options).exit_code == 0);
    CHECK(run_process({"sh", "-c", "[ -t 1 ]"}).exit_code == 1);
}

TEST_CASE("run_process can send stdout to a file, and a full disk shows as a failed write") {
    ProcessOptions options;
    options.stdout_path = "/dev/full";
    const auto r = run_process({"sh", "-c", "echo x || exit 9"}, options);
    CHECK(r.exit_code == 9);
    CHECK(r.out.empty());
}

TEST_CASE("run_process reports a program that cannot be started") {
    REQUIRE_THROWS_WITH(run_process({"/nonexistent/aaiti-binary"}), Contains("/nonexistent/aaiti-binary"));
}

TEST_CASE("ChildProcess runs in the background and stops on SIGTERM") {
    ChildProcess child({"sh", "-c", "echo ready; exec sleep 30"});
    REQUIRE(child.wait_for_output("ready", 5s));
    CHECK(child.running());
    const auto r = child.stop(5s);
    CHECK_FALSE(r.timed_out);
    CHECK(r.term_signal == SIGTERM);
    CHECK(r.out == "ready\n");
    CHECK_FALSE(child.running());
}

TEST_CASE("TempDir removes its directory and contents") {
    std::filesystem::path kept;
    {
        TempDir dir("aaiti-harness");
        kept = dir.path();
        write_text_file(dir / "a/b/c.txt", "content");
        CHECK(read_text_file(dir / "a/b/c.txt") == "content");
    }
    CHECK_FALSE(std::filesystem::exists(kept));
}

TEST_CASE("free_loopback_port gives a port a server can listen on") {
    const int port = free_loopback_port();
    CHECK(port > 0);
    CHECK_FALSE(wait_for_loopback_port(port, 0ms));
    ChildProcess server({"/usr/bin/python3", "-c",
                         "import socket,time\n"
                         "s=socket.socket(); s.bind(('127.0.0.1'," + std::to_string(port) + ")); s.listen()\n"
                         "time.sleep(30)"});
    CHECK(wait_for_loopback_port(port, 10s));
}

TEST_CASE("binary_path names the build command when a binary is missing") {
    REQUIRE_THROWS_WITH(binary_path("aaiti-no-such-binary"), Contains("ninja -C") && Contains("aaiti-no-such-binary"));
}

TEST_CASE("HttpPeer serves on 127.0.0.1 and echoes the request") {
    HttpPeer peer;
    CHECK(peer.port() > 0);
    const auto r = run_process({"curl", "-sS", "-H", "X-Test: 1", peer.url("/echo?q=2")});
    INFO(r.err << peer.log());
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Contains("\"path\": \"/echo\"") && Contains("\"x-test\": \"1\"") && Contains("q=2"));
}

}  // namespace
}  // namespace aaiti::test
