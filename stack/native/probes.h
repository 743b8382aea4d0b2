#pragma once
// Readiness probes the native supervisor runs from its own threads every few hundred milliseconds per
// process. Every probe talks to 127.0.0.1 only, is thread-safe, never throws, and returns within about
// `timeout` (connect + request + reply together).
#include <chrono>
#include <string>

namespace aaiti::stack::native {

struct ProbeResult {
    bool ok = false;
    std::string detail;  // "HTTP 200", "HTTP 503", "PONG", "connection refused", "timed out after 500 ms", ...
};

// GET http://127.0.0.1:<port><path> over HTTP/1.1 with `Connection: close`; ok on a 2xx status line.
// A raw socket on purpose: libcurl would honour http_proxy from the environment and costs more per probe.
ProbeResult probe_http(int port, const std::string& path, std::chrono::milliseconds timeout);

// Redis PING over raw RESP; ok on +PONG. With a password, AUTH first (one write: AUTH then PING), and
// +OK is expected before +PONG. An error reply (-NOAUTH, -WRONGPASS, -LOADING) is not ok, with its text as
// detail; the password never appears in a detail.
ProbeResult probe_redis(int port, std::chrono::milliseconds timeout, const std::string& password = "");

// PQpingParams: ok when the server accepts connections (PQPING_OK; a password request counts, like
// pg_isready). Needs no credentials.
ProbeResult probe_postgres(int port, std::chrono::milliseconds timeout);

// Ok when a TCP connection to 127.0.0.1:<port> succeeds.
ProbeResult probe_tcp(int port, std::chrono::milliseconds timeout);

}  // namespace aaiti::stack::native
