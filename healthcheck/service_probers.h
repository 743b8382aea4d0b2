#pragma once
// Probes for PostgreSQL, Redis and plain TCP. Each runs on the calling thread with non-blocking I/O
// bounded by `timeout` (connect included), so probe_round can run them all at once, one thread each.
#include <chrono>

#include "healthcheck/probe_result.h"

namespace aaiti::health {

// Connect (libpq non-blocking), SELECT 1; on a standby also the replay lag.
ProbeResult probe_postgres(const Target& target, std::chrono::milliseconds timeout);
// AUTH/SELECT from the URL, then PING; connected means +PONG.
ProbeResult probe_redis(const Target& target, std::chrono::milliseconds timeout);
// connected means the TCP handshake completed.
ProbeResult probe_tcp(const Target& target, std::chrono::milliseconds timeout);

}  // namespace aaiti::health
