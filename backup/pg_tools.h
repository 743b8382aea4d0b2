#pragma once
// Running pg_dump and pg_restore: finding the binary that matches the server, passing the connection
// without putting the password on a command line (PGPASSWORD in the child's environment only), and
// streaming their stdout/stdin through pipes. Boost.Process lives in pg_tools.cpp only.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aaiti::backup {

// A connection split for the tools: `conninfo` has every parameter but the password.
struct PgConnection {
    std::vector<std::pair<std::string, std::string>> parameters;  // libpq keywords, password excluded
    std::string conninfo;  // the parameters as "host='127.0.0.1' port='5432' dbname='app' user='u'"
    std::string password;
    std::string database;
    std::string server;    // "127.0.0.1:5432" for manifests and messages
};
// Throws ConfigError for a malformed URL (message without the password).
PgConnection split_connection(const std::string& url);
// The same server, another database.
PgConnection with_database(const PgConnection& connection, const std::string& database);
// A libpq URL/conninfo string for our own connections (password included).
std::string libpq_conninfo(const PgConnection& connection);

// pg_dump / pg_restore for a server of `server_major`: `bindir` when given, else
// /usr/lib/postgresql/<major>/bin, else the newest /usr/lib/postgresql/*/bin, else PATH.
// Throws UnavailableError naming what was looked for.
std::string find_pg_tool(std::string_view name, const std::string& bindir, int server_major);

class PgToolProcess {
public:
    enum class Pipe { read_stdout, write_stdin };
    // Starts `program args...` with PGPASSWORD set; stderr goes to a temporary file for messages.
    PgToolProcess(const std::string& program, const std::vector<std::string>& args, const std::string& password, Pipe pipe);
    ~PgToolProcess();  // kills the child if still running

    std::size_t read(void* buffer, std::size_t size);  // read_stdout: 0 at EOF
    void write(const void* data, std::size_t size);    // write_stdin; IoError when the child went away
    void close_stdin();
    int wait();                                          // exit code (128+signal when killed)
    std::string stderr_text() const;                     // the last 4 KiB of what it wrote to stderr
    std::string name() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace aaiti::backup
