#pragma once
// Internal: non-blocking sockets bounded by a deadline, for the TCP and Redis probes. Every call
// returns an error text instead of throwing, and never waits past the deadline.
#include <chrono>
#include <string>

namespace aaiti::health::detail {

using Clock = std::chrono::steady_clock;

// A connected non-blocking TCP socket (or unix socket when `unix_path` is set), or -1 with `error` set.
int connect_before(const std::string& host, int port, const std::string& unix_path, Clock::time_point deadline,
                   std::string& error);
// Waits for `events` (POLLIN/POLLOUT) on fd; false with `error` on timeout or poll failure.
bool wait_for(int fd, short events, Clock::time_point deadline, std::string& error);
bool send_all(int fd, const std::string& data, Clock::time_point deadline, std::string& error);

}  // namespace aaiti::health::detail
