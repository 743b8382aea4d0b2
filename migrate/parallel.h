#pragma once
// Running n independent tasks on at most `jobs` threads (the calling thread is one of them). After the
// first failure no new task starts; the first exception is rethrown once the running ones finish.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace aaiti::migrate {

template <typename Task>
void parallel_for(std::size_t n, int jobs, Task&& task) {
    std::atomic<std::size_t> next{0};
    std::atomic<bool> stop{false};
    std::exception_ptr first_error;
    std::mutex error_mutex;
    auto work = [&] {
        while (!stop) {
            const std::size_t i = next++;
            if (i >= n) return;
            try {
                task(i);
            } catch (...) {
                std::lock_guard lock(error_mutex);
                if (!first_error) first_error = std::current_exception();
                stop = true;
            }
        }
    };
    const std::size_t workers = std::clamp<std::size_t>(static_cast<std::size_t>(std::max(jobs, 1)), 1, std::max<std::size_t>(n, 1));
    std::vector<std::thread> threads;
    for (std::size_t w = 1; w < workers; ++w) threads.emplace_back(work);
    work();
    for (auto& t : threads) t.join();
    if (first_error) std::rethrow_exception(first_error);
}

}  // namespace aaiti::migrate
