#include "backup/pg_tools.h"

#include <libpq-fe.h>
#include <signal.h>
#include <unistd.h>

#include <utility>  // before Boost (shared/DEBIAN-DEPS.md)
#include <boost/process.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "common/secrets.h"

namespace aaiti::backup {
namespace bp = boost::process;
namespace fs = std::filesystem;
namespace {

std::string quote_conninfo_value(std::string_view value) {
    std::string out = "'";
    for (char c : value) {
        if (c == '\'' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    out.push_back('\'');
    return out;
}

std::string build_conninfo(const std::vector<std::pair<std::string, std::string>>& parameters) {
    std::string out;
    for (const auto& [key, value] : parameters) {
        if (!out.empty()) out.push_back(' ');
        out += key + "=" + quote_conninfo_value(value);
    }
    return out;
}

// Boost 1.74's pipe closes both ends or none; one end at a time is what a parent needs.
void close_sink(bp::pipe& pipe) {
    if (pipe.native_sink() != -1) ::close(pipe.native_sink());
    pipe.assign_sink(-1);
}
void close_source(bp::pipe& pipe) {
    if (pipe.native_source() != -1) ::close(pipe.native_source());
    pipe.assign_source(-1);
}

}  // namespace

PgConnection split_connection(const std::string& url) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
    if (!options) {
        std::string why = error ? error : "unparseable";
        PQfreemem(error);
        while (!why.empty() && why.back() == '\n') why.pop_back();
        throw ConfigError("database URL " + mask_secrets_in_url(url) + " is malformed: " + why);
    }
    PgConnection out;
    auto& parameters = out.parameters;
    std::string host = "localhost", port = "5432";
    for (PQconninfoOption* o = options; o->keyword; ++o) {
        if (!o->val || !*o->val) continue;
        const std::string key = o->keyword, value = o->val;
        if (key == "password") {
            out.password = value;
            continue;
        }
        if (key == "dbname") out.database = value;
        if (key == "host") host = value;
        if (key == "port") port = value;
        parameters.emplace_back(key, value);
    }
    PQconninfoFree(options);
    if (out.database.empty()) {
        for (const auto& [key, value] : parameters)
            if (key == "user") out.database = value;  // libpq's default: the user name
    }
    out.conninfo = build_conninfo(parameters);
    out.server = host + ":" + port;
    return out;
}

PgConnection with_database(const PgConnection& connection, const std::string& database) {
    PgConnection out = connection;
    bool replaced = false;
    for (auto& [key, value] : out.parameters)
        if (key == "dbname") value = database, replaced = true;
    if (!replaced) out.parameters.emplace_back("dbname", database);
    out.conninfo = build_conninfo(out.parameters);
    out.database = database;
    return out;
}

std::string libpq_conninfo(const PgConnection& connection) {
    if (connection.password.empty()) return connection.conninfo;
    return connection.conninfo + " password=" + quote_conninfo_value(connection.password);
}

std::string find_pg_tool(std::string_view name, const std::string& bindir, int server_major) {
    std::vector<fs::path> candidates;
    if (!bindir.empty()) {
        candidates.push_back(fs::path(bindir) / std::string(name));
    } else {
        candidates.push_back(fs::path("/usr/lib/postgresql") / std::to_string(server_major) / "bin" / std::string(name));
        // A newer pg_dump can dump an older server; the newest installed one is the next best.
        std::vector<int> majors;
        std::error_code ec;
        for (const auto& item : fs::directory_iterator("/usr/lib/postgresql", ec)) {
            const std::string v = item.path().filename().string();
            if (!v.empty() && std::all_of(v.begin(), v.end(), ::isdigit) && std::stoi(v) >= server_major)
                majors.push_back(std::stoi(v));
        }
        std::sort(majors.rbegin(), majors.rend());
        for (int major : majors)
            candidates.push_back(fs::path("/usr/lib/postgresql") / std::to_string(major) / "bin" / std::string(name));
        const auto on_path = bp::search_path(std::string(name));
        if (!on_path.empty()) candidates.emplace_back(on_path.string());
    }
    for (const auto& candidate : candidates)
        if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    throw UnavailableError(std::string(name) + " for PostgreSQL " + std::to_string(server_major) +
                           " was not found (looked in " +
                           (bindir.empty() ? "/usr/lib/postgresql/*/bin and PATH" : bindir) +
                           "); install postgresql-client-" + std::to_string(server_major) + " or pass --pg-bindir");
}

struct PgToolProcess::Impl {
    std::string program;
    bp::pipe pipe;
    fs::path stderr_path;
    bp::child child;
    bool stdin_closed = false;
};

PgToolProcess::PgToolProcess(const std::string& program, const std::vector<std::string>& args,
                             const std::string& password, Pipe pipe)
    : impl_(std::make_unique<Impl>()) {
    // A tool that exits early (pg_restore --exit-on-error) must give us EPIPE, not kill us.
    ::signal(SIGPIPE, SIG_IGN);
    impl_->program = program;
    char pattern[] = "/tmp/aaiti-pgtool-stderr-XXXXXX";
    const int fd = ::mkstemp(pattern);
    if (fd < 0) throw IoError(std::string("cannot create a temporary file: ") + std::strerror(errno));
    ::close(fd);
    impl_->stderr_path = pattern;
    auto env = boost::this_process::environment();
    if (!password.empty()) env["PGPASSWORD"] = password;
    try {
        if (pipe == Pipe::read_stdout)
            impl_->child = bp::child(program, bp::args(args), bp::std_out > impl_->pipe,
                                     bp::std_err > impl_->stderr_path.string(), bp::std_in < bp::null, env);
        else
            impl_->child = bp::child(program, bp::args(args), bp::std_in < impl_->pipe,
                                     bp::std_err > impl_->stderr_path.string(), bp::std_out > bp::null, env);
    } catch (const std::exception& e) {
        throw UnavailableError("cannot start " + program + ": " + e.what());
    }
    // Our copies of the child's ends must go, or EOF never arrives.
    if (pipe == Pipe::read_stdout) close_sink(impl_->pipe);
    else close_source(impl_->pipe);
}

PgToolProcess::~PgToolProcess() {
    std::error_code ec;
    if (impl_->child.valid() && impl_->child.running(ec)) {
        impl_->child.terminate(ec);
    }
    fs::remove(impl_->stderr_path, ec);
}

std::size_t PgToolProcess::read(void* buffer, std::size_t size) {
    for (;;) {
        const ssize_t n = ::read(impl_->pipe.native_source(), buffer, size);
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno != EINTR) throw IoError("reading from " + name() + ": " + std::strerror(errno));
    }
}

void PgToolProcess::write(const void* data, std::size_t size) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t n = ::write(impl_->pipe.native_sink(), p, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw IoError(name() + " stopped reading its input (" + std::strerror(errno) + ")");
        }
        p += n;
        size -= static_cast<std::size_t>(n);
    }
}

void PgToolProcess::close_stdin() {
    if (!impl_->stdin_closed) close_sink(impl_->pipe);
    impl_->stdin_closed = true;
}

int PgToolProcess::wait() {
    std::error_code ec;
    impl_->child.wait(ec);
    const int native = impl_->child.native_exit_code();
    if (WIFSIGNALED(native)) return 128 + WTERMSIG(native);
    return impl_->child.exit_code();
}

std::string PgToolProcess::stderr_text() const {
    std::ifstream in(impl_->stderr_path);
    std::stringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    if (s.size() > 4096) s = "..." + s.substr(s.size() - 4096);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return mask_secrets_in_text(s);
}

std::string PgToolProcess::name() const { return fs::path(impl_->program).filename().string(); }

}  // namespace aaiti::backup
