#pragma once
// JSON in and out of the handlers: request bodies parsed into objects, users and audit events written
// in the shapes the Node service used (camelCase, ISO 8601 times). Only nlohmann's forward header here.
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace aaiti::auth {

struct User;
struct AuditEvent;

// The body as a JSON object; nullopt for malformed JSON or anything but an object.
std::optional<nlohmann::json> parse_object(std::string_view body);

// True for a Content-Type of application/json, with or without parameters ("; charset=utf-8"),
// in any case (RFC 9110 media types are case-insensitive); false for anything else or none.
bool is_json_content_type(std::string_view value) noexcept;

// What a field holds, for validation: absent, null, a string (with its value), or another type.
struct StringField {
    enum class State { absent, null, string, wrong_type } state = State::absent;
    std::string value;
    bool present() const { return state != State::absent && state != State::null; }
};
StringField string_field(const nlohmann::json& object, const char* name);

nlohmann::json user_json(const User& user);
nlohmann::json audit_json(const AuditEvent& event);

// Serialises without ever throwing on invalid UTF-8 (replaced with U+FFFD).
std::string dump(const nlohmann::json& value);

}  // namespace aaiti::auth
