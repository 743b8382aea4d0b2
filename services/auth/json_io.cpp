#include "services/auth/json_io.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "common/time_text.h"
#include "services/auth/store.h"

namespace aaiti::auth {

std::optional<nlohmann::json> parse_object(std::string_view body) {
    auto parsed = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
    return parsed;
}

bool is_json_content_type(std::string_view value) noexcept {
    value = value.substr(0, value.find(';'));
    const auto blank = [](char c) { return c == ' ' || c == '\t'; };
    while (!value.empty() && blank(value.front())) value.remove_prefix(1);
    while (!value.empty() && blank(value.back())) value.remove_suffix(1);
    constexpr std::string_view k_json = "application/json";
    return value.size() == k_json.size() &&
           std::equal(value.begin(), value.end(), k_json.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) == b;
           });
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

nlohmann::json user_json(const User& u) {
    return {{"id", u.id},
            {"username", u.username},
            {"email", u.email},
            {"firstName", u.first_name},
            {"lastName", u.last_name},
            {"role", u.role},
            {"createdAt", format_utc(u.created_at)},
            {"updatedAt", format_utc(u.updated_at)}};
}

nlohmann::json audit_json(const AuditEvent& e) {
    return {{"id", e.id},
            {"at", format_utc(e.at)},
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
