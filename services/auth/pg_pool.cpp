#include "services/auth/pg_pool.h"

#include "common/error.h"
#include "common/postgres.h"
#include "common/secrets.h"

namespace aaiti::auth {

PgPool::PgPool(std::string url, int min, int max, std::string application_name)
    : url_(std::move(url)), application_name_(std::move(application_name)), max_(std::max(1, max)) {
    for (int i = 0; i < std::min(min, max_); ++i) {
        idle_.push_back(open());
        ++open_count_;
    }
}

std::unique_ptr<pqxx::connection> PgPool::open() const {
    PostgresOptions options{url_};
    options.application_name = application_name_;
    return connect_postgres(options);
}

PgPool::Lease PgPool::acquire(std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
        if (!idle_.empty()) {
            auto conn = std::move(idle_.back());
            idle_.pop_back();
            return Lease(*this, std::move(conn));
        }
        if (open_count_ < max_) {
            ++open_count_;  // reserve the slot, connect without holding the lock
            lock.unlock();
            try {
                return Lease(*this, open());
            } catch (...) {
                lock.lock();
                --open_count_;
                available_.notify_one();
                throw;
            }
        }
        if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_count_ >= max_)
            throw UnavailableError("auth: every PostgreSQL connection (DB_POOL_MAX=" + std::to_string(max_) +
                                   ") stayed busy; raise DB_POOL_MAX or add capacity (" + mask_secrets_in_url(url_) + ")");
    }
}

void PgPool::give_back(std::unique_ptr<pqxx::connection> conn, bool broken) {
    std::lock_guard lock(mutex_);
    if (broken || !conn || !conn->is_open()) {
        --open_count_;
    } else {
        idle_.push_back(std::move(conn));
    }
    available_.notify_one();
}

PgPool::Lease::~Lease() {
    if (pool_ && conn_) pool_->give_back(std::move(conn_), broken_);
}

}  // namespace aaiti::auth
