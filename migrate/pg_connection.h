#pragma once
// A plain libpq connection for COPY in both directions: libpqxx 6.4 keeps its PGconn private and its
// stream_to needs compile-time tuples, so bulk data goes through libpq directly (DEBIAN-DEPS.md, "Raw
// COPY", route b). Each worker owns one. Errors never show the password.
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct pg_conn;

namespace aaiti::migrate {

class PgConnection {
public:
    // Throws UnavailableError naming the masked URL when the server cannot be reached.
    explicit PgConnection(const std::string& url);
    ~PgConnection();
    PgConnection(const PgConnection&) = delete;
    PgConnection& operator=(const PgConnection&) = delete;

    // Runs a statement without parameters or rows. Throws OperationFailed with `what` and the server's message.
    void exec(const std::string& sql, const std::string& what);

    // First column of the first row ("" for NULL or no row), with bound text parameters ($1, $2, ...).
    std::string query_value(const std::string& sql, const std::vector<std::string>& params, const std::string& what);

    // A statement with bound text parameters (nullopt = NULL); no rows.
    void exec_params(const std::string& sql, const std::vector<std::optional<std::string>>& params, const std::string& what);

    // Every row of a query with bound text parameters; NULL is nullopt. For small results (the state table).
    using Row = std::vector<std::optional<std::string>>;
    std::vector<Row> query_rows(const std::string& sql, const std::vector<std::string>& params, const std::string& what);

    // COPY ... FROM STDIN: begin, put buffered data, end (throws with the server's message, e.g. a bad value).
    void copy_in_begin(const std::string& sql, const std::string& what);
    void copy_in_put(const std::string& data);
    void copy_in_end();

    // COPY (...) TO STDOUT: begin, then next_row until false. `row` excludes the newline.
    void copy_out_begin(const std::string& sql, const std::string& what);
    bool copy_out_next(std::string& row);

private:
    [[noreturn]] void fail(const std::string& message);
    // Runs a COPY statement and checks it entered `expected_status` (PGRES_COPY_IN or PGRES_COPY_OUT).
    void start_copy(const std::string& sql, const std::string& what, int expected_status);
    void finish_copy();
    pg_conn* conn_ = nullptr;
    std::string url_masked_;
    std::string what_;
};

}  // namespace aaiti::migrate
