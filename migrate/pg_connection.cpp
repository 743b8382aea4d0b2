#include "migrate/pg_connection.h"

#include <libpq-fe.h>

#include "common/error.h"
#include "common/logging.h"
#include "common/secrets.h"

namespace aaiti::migrate {
namespace {

std::string trimmed(const char* text) {
    std::string s = text ? text : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

// Server notices ("schema already exists, skipping") are not errors: debug log instead of libpq's
// default of printing them on stderr.
void log_notice(void*, const char* message) { logging::debug("postgresql notice", {{"message", trimmed(message)}}); }

}  // namespace

PgConnection::PgConnection(const std::string& url) : url_masked_(mask_secrets_in_url(url)) {
    // The URL is expanded in place of dbname; the keywords after it add what every aaiti connection sets.
    const char* keywords[] = {"dbname", "application_name", "connect_timeout", nullptr};
    const char* values[] = {url.c_str(), "aaitictl-migrate", "5", nullptr};
    conn_ = PQconnectdbParams(keywords, values, 1);
    if (PQstatus(conn_) != CONNECTION_OK) {
        const std::string why = trimmed(PQerrorMessage(conn_));
        PQfinish(conn_);
        conn_ = nullptr;
        throw UnavailableError("cannot connect to PostgreSQL at " + url_masked_ + ": " + mask_secrets_in_text(why));
    }
    PQsetNoticeProcessor(conn_, log_notice, nullptr);
}

PgConnection::~PgConnection() {
    if (conn_) PQfinish(conn_);
}

void PgConnection::fail(const std::string& message) {
    if (PQstatus(conn_) == CONNECTION_BAD)
        throw UnavailableError("lost the connection to PostgreSQL at " + url_masked_ + " while " + what_ + ": " +
                               mask_secrets_in_text(message));
    throw OperationFailed("migrate: " + what_ + ": " + mask_secrets_in_text(message));
}

void PgConnection::exec(const std::string& sql, const std::string& what) {
    what_ = what;
    PGresult* r = PQexec(conn_, sql.c_str());
    const auto status = PQresultStatus(r);
    const std::string why = trimmed(PQresultErrorMessage(r));
    PQclear(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(why);
}

std::string PgConnection::query_value(const std::string& sql, const std::vector<std::string>& params, const std::string& what) {
    const std::vector<Row> rows = query_rows(sql, params, what);
    if (rows.empty() || rows.front().empty() || !rows.front().front()) return {};
    return *rows.front().front();
}

void PgConnection::exec_params(const std::string& sql, const std::vector<std::optional<std::string>>& params, const std::string& what) {
    what_ = what;
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    PGresult* r = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0);
    const auto status = PQresultStatus(r);
    const std::string why = trimmed(PQresultErrorMessage(r));
    PQclear(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(why);
}

std::vector<PgConnection::Row> PgConnection::query_rows(const std::string& sql, const std::vector<std::string>& params,
                                                        const std::string& what) {
    what_ = what;
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    PGresult* r = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0);
    const auto status = PQresultStatus(r);
    const std::string why = trimmed(PQresultErrorMessage(r));
    std::vector<Row> rows;
    if (status == PGRES_TUPLES_OK) {
        for (int i = 0; i < PQntuples(r); ++i) {
            Row row;
            for (int j = 0; j < PQnfields(r); ++j)
                row.push_back(PQgetisnull(r, i, j) ? std::nullopt : std::optional<std::string>(PQgetvalue(r, i, j)));
            rows.push_back(std::move(row));
        }
    }
    PQclear(r);
    if (status != PGRES_TUPLES_OK) fail(why);
    return rows;
}

void PgConnection::start_copy(const std::string& sql, const std::string& what, int expected_status) {
    what_ = what;
    PGresult* r = PQexec(conn_, sql.c_str());
    const auto status = PQresultStatus(r);
    const std::string why = trimmed(PQresultErrorMessage(r));
    PQclear(r);
    if (status != expected_status) fail(why);
}

void PgConnection::copy_in_begin(const std::string& sql, const std::string& what) { start_copy(sql, what, PGRES_COPY_IN); }

void PgConnection::copy_in_put(const std::string& data) {
    if (data.empty()) return;
    if (PQputCopyData(conn_, data.data(), static_cast<int>(data.size())) != 1) fail(trimmed(PQerrorMessage(conn_)));
}

void PgConnection::finish_copy() {
    // The COPY's outcome (e.g. a value PostgreSQL refused) arrives as the results after its data;
    // all of them must be read before the connection can run anything else.
    std::string why;
    bool ok = true;
    while (PGresult* r = PQgetResult(conn_)) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            ok = false;
            why = trimmed(PQresultErrorMessage(r));
        }
        PQclear(r);
    }
    if (!ok) fail(why);
}

void PgConnection::copy_in_end() {
    if (PQputCopyEnd(conn_, nullptr) != 1) fail(trimmed(PQerrorMessage(conn_)));
    finish_copy();
}

void PgConnection::copy_out_begin(const std::string& sql, const std::string& what) { start_copy(sql, what, PGRES_COPY_OUT); }

bool PgConnection::copy_out_next(std::string& row) {
    char* buffer = nullptr;
    const int n = PQgetCopyData(conn_, &buffer, 0);
    if (n > 0) {
        row.assign(buffer, static_cast<std::size_t>(n));
        PQfreemem(buffer);
        if (!row.empty() && row.back() == '\n') row.pop_back();
        return true;
    }
    if (buffer) PQfreemem(buffer);
    if (n == -2) fail(trimmed(PQerrorMessage(conn_)));
    finish_copy();
    return false;
}

}  // namespace aaiti::migrate
