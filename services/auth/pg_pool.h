#pragma once
// A small pool of libpqxx connections: `min` opened at start, up to `max` opened on demand, callers
// wait when all are busy. A connection that broke is dropped, not returned. Include only from .cpp
// files that use pqxx.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <pqxx/connection>

namespace aaiti::auth {

class PgPool {
public:
    // Opens `min` connections now: throws UnavailableError when the server is unreachable.
    PgPool(std::string url, int min, int max, std::string application_name);

    class Lease {
    public:
        Lease(PgPool& pool, std::unique_ptr<pqxx::connection> conn) : pool_(&pool), conn_(std::move(conn)) {}
        Lease(Lease&&) = default;
        ~Lease();
        pqxx::connection& operator*() { return *conn_; }
        // The connection failed: close it instead of handing it to the next caller.
        void discard() { broken_ = true; }

    private:
        PgPool* pool_;
        std::unique_ptr<pqxx::connection> conn_;
        bool broken_ = false;
    };

    // Waits up to `wait` for a free connection; throws UnavailableError after that or when a new
    // connection cannot be opened.
    Lease acquire(std::chrono::milliseconds wait = std::chrono::seconds(5));
    const std::string& url() const { return url_; }

private:
    void give_back(std::unique_ptr<pqxx::connection> conn, bool broken);
    std::unique_ptr<pqxx::connection> open() const;

    std::string url_;
    std::string application_name_;
    int max_;
    std::mutex mutex_;
    std::condition_variable available_;
    std::vector<std::unique_ptr<pqxx::connection>> idle_;
    int open_count_ = 0;
};

}  // namespace aaiti::auth
