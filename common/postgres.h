#pragma once
// Opening libpqxx 6.4 connections the same way everywhere: connect timeout, application_name, and
// errors that name the server without its password. Include only from .cpp files that use pqxx.
#include <chrono>
#include <memory>
#include <string>

#include <pqxx/connection>

namespace aaiti {

struct PostgresOptions {
    std::string url;  // postgresql://user:pass@host:port/db?... or a libpq key=value string
    std::string application_name = "aaitictl";
    std::chrono::seconds connect_timeout{5};
};

// Throws UnavailableError ("cannot connect to PostgreSQL at postgresql://app:****@127.0.0.1:5432/x: ...")
// when the server is unreachable or refuses us; ConfigError when the URL is malformed.
std::unique_ptr<pqxx::connection> connect_postgres(const PostgresOptions& options);

}  // namespace aaiti
