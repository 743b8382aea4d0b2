#include "common/postgres.h"

#include <libpq-fe.h>

#include <pqxx/except>
#include <string_view>

#include "common/error.h"
#include "common/secrets.h"

namespace aaiti {
namespace {

// Adds connect_timeout and application_name to a URL or key=value string unless the caller set them.
std::string with_connection_parameters(const PostgresOptions& o) {
    const bool is_uri = o.url.rfind("postgresql://", 0) == 0 || o.url.rfind("postgres://", 0) == 0;
    std::string conninfo = o.url;
    auto add = [&](const std::string& key, const std::string& value) {
        if (conninfo.find(key + "=") != std::string::npos) return;
        if (is_uri) {
            conninfo += conninfo.find('?') == std::string::npos ? '?' : '&';
            conninfo += key + "=" + value;
        } else {
            if (!conninfo.empty()) conninfo += ' ';
            conninfo += key + "='" + value + "'";
        }
    };
    add("connect_timeout", std::to_string(std::max<long>(1, static_cast<long>(o.connect_timeout.count()))));
    add("application_name", o.application_name);
    return conninfo;
}

}  // namespace

std::unique_ptr<pqxx::connection> connect_postgres(const PostgresOptions& options) {
    const std::string conninfo = with_connection_parameters(options);
    // Parse first so a malformed URL is a configuration error, not "server unreachable".
    char* parse_error = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), &parse_error);
    if (!parsed) {
        std::string why = parse_error ? parse_error : "malformed connection string";
        PQfreemem(parse_error);
        while (!why.empty() && why.back() == '\n') why.pop_back();
        throw ConfigError("PostgreSQL URL " + mask_secrets_in_url(options.url) + " is not valid: " + mask_secrets_in_text(why));
    }
    // libpq accepts any port text at parse time and only fails when connecting, which would read as
    // "server unreachable"; a port that is not a number is a configuration mistake.
    for (const PQconninfoOption* o = parsed; o->keyword; ++o) {
        if (std::string_view(o->keyword) != "port" || !o->val) continue;
        const std::string ports = o->val;
        const bool numeric = !ports.empty() && ports.find_first_not_of("0123456789,") == std::string::npos;
        if (!numeric) {
            PQconninfoFree(parsed);
            throw ConfigError("PostgreSQL URL " + mask_secrets_in_url(options.url) + " is not valid: port \"" + ports +
                              "\" is not a number");
        }
    }
    PQconninfoFree(parsed);
    try {
        return std::make_unique<pqxx::connection>(conninfo);
    } catch (const pqxx::broken_connection& e) {
        std::string why = e.what();
        while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
        throw UnavailableError("cannot connect to PostgreSQL at " + mask_secrets_in_url(options.url) + ": " +
                               mask_secrets_in_text(why));
    }
}

}  // namespace aaiti
