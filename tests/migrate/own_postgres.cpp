#include "tests/migrate/own_postgres.h"

#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "tests/support/network.h"
#include "tests/support/process.h"
#include "tests/support/test_servers.h"

namespace aaiti::test {
namespace {

constexpr const char* k_os_user = "aaiti-pgtest";  // created by test_servers.sh when it runs as root

void require_ok(const ProcessResult& r, const std::string& what) {
    if (r.exit_code != 0) throw std::runtime_error(what + " failed (" + std::to_string(r.exit_code) + "): " + r.out + r.err);
}

}  // namespace

OwnPostgres::OwnPostgres(const std::string& label) {
    const TestServers& servers = test_servers();
    bin_dir_ = servers.pg_bin_dir;
    // Short: the unix socket path must fit in 107 bytes.
    dir_ = servers.data_dir + "/" + label + "-" + std::to_string(::getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all);
    if (::geteuid() == 0) {
        const passwd* pw = ::getpwnam(k_os_user);
        if (!pw) throw std::runtime_error(std::string("no user ") + k_os_user + " (the aaiti_servers fixture creates it)");
        if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("cannot chown " + dir_);
    }
    ProcessOptions o;
    o.timeout = std::chrono::milliseconds(120000);
    require_ok(run_process(as_pg_user({bin_dir_ + "/initdb", "-D", dir_ + "/data", "-U", "postgres", "-A", "trust", "--no-sync",
                                       "-E", "UTF8", "--locale=C.UTF-8"}),
                           o),
               "initdb");
    // A port taken between free_loopback_port and the server's bind fails the start: try another.
    for (int attempt = 1;; ++attempt) {
        port_ = free_loopback_port();
        try {
            pg_ctl({"-o",
                    "-p " + std::to_string(port_) + " -k " + dir_ +
                        " -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                    "start"});
            return;
        } catch (const std::runtime_error&) {
            if (attempt == 3) throw;
        }
    }
}

OwnPostgres::~OwnPostgres() {
    ProcessOptions o;
    o.timeout = std::chrono::milliseconds(60000);
    run_process(as_pg_user({bin_dir_ + "/pg_ctl", "-D", dir_ + "/data", "-m", "immediate", "-w", "stop"}), o);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

std::string OwnPostgres::url(const std::string& database) const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

void OwnPostgres::restart() { pg_ctl({"-m", "fast", "restart"}); }

std::vector<std::string> OwnPostgres::as_pg_user(std::vector<std::string> argv) const {
    // PostgreSQL refuses to run as root.
    if (::geteuid() == 0) argv.insert(argv.begin(), {"runuser", "-u", k_os_user, "--"});
    return argv;
}

void OwnPostgres::pg_ctl(const std::vector<std::string>& args) const {
    // -l always: a postmaster (re)started without it would hold our output pipes open, and run_process
    // waits for them to close.
    std::vector<std::string> argv{bin_dir_ + "/pg_ctl", "-D", dir_ + "/data", "-l", dir_ + "/postgres.log", "-w", "-t", "60"};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessOptions o;
    o.timeout = std::chrono::milliseconds(90000);
    require_ok(run_process(as_pg_user(argv), o), "pg_ctl " + args.back());
}

}  // namespace aaiti::test
