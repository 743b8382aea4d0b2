#pragma once
// A PostgreSQL cluster of one test's own, for what the shared fixture must not suffer (a restart: other
// tests use that server concurrently). Same recipe as tests/support/test_servers.sh: initdb with trust
// auth as the unprivileged `aaiti-pgtest` user through runuser when running as root, a free port on
// 127.0.0.1, fsync off. Its directory lies under the fixture's run directory, so that if the test process
// dies without its destructor, the fixture's cleanup removes the directory and PostgreSQL, which checks
// its lock file every minute, shuts itself down.
#include <string>
#include <vector>

namespace aaiti::test {

class OwnPostgres {
public:
    explicit OwnPostgres(const std::string& label);
    ~OwnPostgres();  // pg_ctl stop -m immediate, directory removed
    OwnPostgres(const OwnPostgres&) = delete;
    OwnPostgres& operator=(const OwnPostgres&) = delete;

    // postgresql://postgres@127.0.0.1:PORT/<database>
    std::string url(const std::string& database) const;
    // pg_ctl restart -m fast: every session is terminated, the server comes back on the same port.
    void restart();

private:
    std::vector<std::string> as_pg_user(std::vector<std::string> argv) const;
    void pg_ctl(const std::vector<std::string>& args) const;
    std::string dir_;
    std::string bin_dir_;
    int port_ = 0;
};

}  // namespace aaiti::test
