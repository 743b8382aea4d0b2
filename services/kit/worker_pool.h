#pragma once
// A fixed set of threads with a bounded queue for blocking work (password hashing, database calls),
// so I/O threads never block. Back-pressure instead of an unbounded queue: try_submit refuses work
// when the queue is full and the caller answers 503.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace aaiti::kit {

class WorkerPool {
public:
    using Task = std::function<void()>;

    // `queue_capacity` counts tasks waiting for a thread (not the ones running): with 0, a task is
    // taken only when a thread is free to run it.
    // `nice`: the scheduling niceness of its threads (Linux sets it per thread; 0 leaves them as they
    // are, higher yields the CPU to every other thread of the process when both want it).
    WorkerPool(std::size_t threads, std::size_t queue_capacity, int nice = 0);
    ~WorkerPool();  // shutdown()
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    // False when the queue is full or the pool is shut down; the task is then not run (and not
    // destroyed: it stays with the caller).
    bool try_submit(Task& task);
    bool try_submit(Task&& task) { return try_submit(task); }

    // Stops taking work, lets running tasks finish, destroys queued ones without running them and
    // joins the threads. Idempotent.
    void shutdown();

    std::size_t queued() const;
    std::size_t thread_count() const noexcept { return threads_.size(); }
    std::size_t queue_capacity() const noexcept { return capacity_; }
    // True on a thread of any WorkerPool (tests use it to prove a handler ran off the I/O thread).
    static bool on_worker_thread() noexcept;

private:
    void work();

    const std::size_t capacity_;
    const int nice_;
    std::mutex shutdown_mutex_;  // serialises shutdown() callers around the joins
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Task> queue_;
    bool stopping_ = false;
    std::size_t idle_ = 0;  // threads waiting for a task
    std::vector<std::thread> threads_;
};

}  // namespace aaiti::kit
