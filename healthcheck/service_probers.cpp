#include "healthcheck/service_probers.h"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <memory>
#include <vector>

#include "common/redis.h"
#include "common/secrets.h"
#include "healthcheck/socket_io.h"

namespace aaiti::health {
namespace {

using detail::Clock;

std::chrono::microseconds since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
}

ProbeResult start_result(const Target& target) {
    ProbeResult r;
    r.target = target.name;
    r.kind = target.kind;
    return r;
}

std::string first_line(const char* text) {
    std::string s = text == nullptr ? "" : text;
    if (const auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
    return mask_secrets_in_text(s);
}

struct PgConnCloser {
    void operator()(PGconn* c) const { PQfinish(c); }
};

// Runs the libpq connection state machine without blocking past the deadline.
bool pg_connect(PGconn* conn, Clock::time_point deadline, std::string& error) {
    if (PQstatus(conn) == CONNECTION_BAD) {
        error = first_line(PQerrorMessage(conn));
        return false;
    }
    PostgresPollingStatusType state = PGRES_POLLING_WRITING;
    while (state != PGRES_POLLING_OK) {
        if (state == PGRES_POLLING_FAILED) {
            error = first_line(PQerrorMessage(conn));
            return false;
        }
        const short events = state == PGRES_POLLING_READING ? POLLIN : POLLOUT;
        if (!detail::wait_for(PQsocket(conn), events, deadline, error)) return false;
        state = PQconnectPoll(conn);
    }
    return true;
}

}  // namespace

ProbeResult probe_postgres(const Target& target, std::chrono::milliseconds timeout) {
    ProbeResult r = start_result(target);
    const auto start = Clock::now();
    const auto deadline = start + timeout;
    const char* keywords[] = {"dbname", "application_name", nullptr};
    const char* values[] = {target.url.c_str(), "aaitictl-health", nullptr};
    std::unique_ptr<PGconn, PgConnCloser> conn(PQconnectStartParams(keywords, values, /*expand_dbname=*/1));
    if (!conn) {
        r.error = "out of memory";
        return r;
    }
    if (!pg_connect(conn.get(), deadline, r.error)) {
        r.latency = since(start);
        return r;
    }
    PQsetnonblocking(conn.get(), 1);
    // On a primary the lag is NULL; on a standby it is the age of the last replayed commit.
    if (PQsendQuery(conn.get(), "SELECT 1, pg_is_in_recovery(), "
                                "EXTRACT(EPOCH FROM (now() - pg_last_xact_replay_timestamp()))") == 0) {
        r.error = first_line(PQerrorMessage(conn.get()));
        return r;
    }
    while (PQflush(conn.get()) == 1)
        if (!detail::wait_for(PQsocket(conn.get()), POLLOUT | POLLIN, deadline, r.error)) return r;
    while (PQisBusy(conn.get())) {
        if (!detail::wait_for(PQsocket(conn.get()), POLLIN, deadline, r.error)) {
            r.latency = since(start);
            return r;
        }
        if (PQconsumeInput(conn.get()) == 0) {
            r.error = first_line(PQerrorMessage(conn.get()));
            return r;
        }
    }
    bool ok = false;
    while (PGresult* result = PQgetResult(conn.get())) {
        if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1) {
            ok = true;
            const bool standby = std::strcmp(PQgetvalue(result, 0, 1), "t") == 0;
            if (standby && !PQgetisnull(result, 0, 2)) r.replication_lag_seconds = std::atof(PQgetvalue(result, 0, 2));
            else if (standby) r.replication_lag_seconds = 0.0;  // nothing replayed yet: nothing to lag behind
        } else if (r.error.empty()) {
            r.error = first_line(PQresultErrorMessage(result));
        }
        PQclear(result);
    }
    r.latency = since(start);
    r.connected = ok;
    return r;
}

namespace {

std::string resp_command(const std::vector<std::string>& arguments) {
    // Appended piece by piece: GCC 12 at -O2 flags `"$" + std::to_string(n)` with a false -Wrestrict.
    std::string out = "*";
    out += std::to_string(arguments.size());
    out += "\r\n";
    for (const auto& a : arguments) {
        out += '$';
        out += std::to_string(a.size());
        out += "\r\n";
        out += a;
        out += "\r\n";
    }
    return out;
}

}  // namespace

ProbeResult probe_redis(const Target& target, std::chrono::milliseconds timeout) {
    ProbeResult r = start_result(target);
    const auto start = Clock::now();
    const auto deadline = start + timeout;
    redis::Address address;
    try {
        address = redis::parse_url(target.url);
        // Sentinel: probe the master they name (confirmed by ROLE), within this probe's time.
        if (address.uses_sentinel()) {
            const auto each = std::clamp(timeout / 4, std::chrono::milliseconds(50), std::chrono::milliseconds(300));
            address = redis::resolve_master(address, each);
        }
    } catch (const std::exception& e) {
        r.error = e.what();
        r.latency = since(start);
        return r;
    }
    const int fd = detail::connect_before(address.host, address.port, address.unix_socket, deadline, r.error);
    if (fd < 0) {
        r.latency = since(start);
        return r;
    }
    std::string request;
    int replies = 1;
    if (!address.password.empty()) {
        request += address.username.empty() ? resp_command({"AUTH", address.password})
                                            : resp_command({"AUTH", address.username, address.password});
        ++replies;
    }
    if (address.database != 0) {
        request += resp_command({"SELECT", std::to_string(address.database)});
        ++replies;
    }
    request += resp_command({"PING"});
    std::string answer;
    if (detail::send_all(fd, request, deadline, r.error)) {
        // Every reply to these commands is one line: +OK, +PONG or -ERR ...
        while (static_cast<int>(std::count(answer.begin(), answer.end(), '\n')) < replies) {
            if (!detail::wait_for(fd, POLLIN, deadline, r.error)) break;
            char buffer[512];
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n == 0) {
                r.error = "connection closed by server";
                break;
            }
            if (n < 0 && errno != EAGAIN && errno != EINTR) {
                r.error = std::strerror(errno);
                break;
            }
            if (n > 0) answer.append(buffer, static_cast<std::size_t>(n));
        }
    }
    ::close(fd);
    r.latency = since(start);
    if (const auto error_at = answer.find('-'); error_at != std::string::npos && (error_at == 0 || answer[error_at - 1] == '\n')) {
        r.error = "redis: " + answer.substr(error_at + 1, answer.find('\r', error_at) - error_at - 1);
        return r;
    }
    if (answer.find("+PONG") != std::string::npos) {
        r.connected = true;
        r.error.clear();
    }
    return r;
}

ProbeResult probe_tcp(const Target& target, std::chrono::milliseconds timeout) {
    ProbeResult r = start_result(target);
    const auto start = Clock::now();
    const int fd = detail::connect_before(target.host, target.port, "", start + timeout, r.error);
    r.latency = since(start);
    if (fd >= 0) {
        r.connected = true;
        ::close(fd);
    }
    return r;
}

}  // namespace aaiti::health
