#pragma once
// Shared set-up of the kit tests: a server on an ephemeral loopback port (tests run in parallel).
#include <chrono>
#include <functional>
#include <thread>

#include "services/kit/server.h"
#include "tests/kit/raw_http_client.h"

namespace aaiti::kit::test {

inline ServerOptions test_options() {
    ServerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = 2;
    o.worker_threads = 2;
    o.drain_timeout = std::chrono::seconds(5);
    return o;
}

// Polls `condition` every 5 ms for up to `limit`; true as soon as it holds. Used to wait for an
// outcome (never to assert how long it took).
inline bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

}  // namespace aaiti::kit::test
