#pragma once
// Loopback ports for servers a test starts. Only 127.0.0.1, never another interface.
#include <chrono>

namespace aaiti::test {

// A TCP port on 127.0.0.1 that nobody listens on right now (the kernel's choice for a bind to port 0).
// Another process could take it before the caller binds; callers that can should bind port 0 themselves.
int free_loopback_port();

// Polls until something accepts TCP connections on 127.0.0.1:`port`, up to `timeout`. True if it does.
bool wait_for_loopback_port(int port, std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));

}  // namespace aaiti::test
