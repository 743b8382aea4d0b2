#include "services/auth/json_io.h"

#include <ctime>

#include <nlohmann/json.hpp>

#include "services/auth/store.h"

namespace aaiti::auth {

std::optional<nlohmann::json> parse_object(std::string_view body) {
    auto parsed = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
    return parsed;
}

StringField string_field(const nlohmann::json& object, const char* name) {
    StringField field;
    const auto it = object.find(name);
    if (it == object.end()) return field;
    if (it->is_null()) {
        field.state = StringField::State::null;
    } else if (it->is_string()) {
        field.state = StringField::State::string;
        field.value = it->get<std::string>();
    } else {
        field.state = StringField::State::wrong_type;
    }
    return field;
}

std::string iso8601(std::int64_t unix_seconds) {
    const std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char out[32];
    std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return out;
}

nlohmann::json user_json(const User& u) {
    return {{"id", u.id},
            {"username", u.username},
            {"email", u.email},
            {"firstName", u.first_name},
            {"lastName", u.last_name},
            {"role", u.role},
            {"createdAt", iso8601(u.created_at)},
            {"updatedAt", iso8601(u.updated_at)}};
}

nlohmann::json audit_json(const AuditEvent& e) {
    return {{"id", e.id},
            {"at", iso8601(e.at)},
            {"event", e.event},
            {"userId", e.user_id},
            {"username", e.username},
            {"ip", e.ip},
            {"requestId", e.request_id},
            {"detail", e.detail}};
}

std::string dump(const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace aaiti::auth
