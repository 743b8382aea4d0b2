#include "services/kit/worker_pool.h"

#include <sys/resource.h>
#include <unistd.h>

namespace aaiti::kit {

namespace {
thread_local bool t_on_worker = false;
}

WorkerPool::WorkerPool(std::size_t threads, std::size_t queue_capacity, int nice) : capacity_(queue_capacity), nice_(nice) {
    if (threads == 0) threads = 1;
    threads_.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() { shutdown(); }

bool WorkerPool::try_submit(Task& task) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || queue_.size() >= capacity_ + idle_) return false;
        queue_.push_back(std::move(task));
    }
    wake_.notify_one();
    return true;
}

void WorkerPool::shutdown() {
    std::lock_guard shutdown_lock(shutdown_mutex_);
    std::deque<Task> dropped;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        dropped.swap(queue_);
    }
    wake_.notify_all();
    dropped.clear();  // outside the lock: a task's destructor may answer its request (503)
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
}

std::size_t WorkerPool::queued() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

bool WorkerPool::on_worker_thread() noexcept { return t_on_worker; }

void WorkerPool::work() {
    t_on_worker = true;
    // Best effort: a process may not lower its niceness below where it is, and nothing depends on it.
    if (nice_ != 0) (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), nice_);
    for (;;) {
        Task task;
        {
            std::unique_lock lock(mutex_);
            ++idle_;
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            --idle_;
            if (queue_.empty()) return;  // stopping and nothing left
            task = std::move(queue_.front());
            queue_.pop_front();
        }
        try {
            task();
        } catch (...) {
            // Tasks handle their own errors (the kit's wrap every handler); never let one kill the pool.
        }
    }
}

}  // namespace aaiti::kit
