#include "services/auth/validation.h"

#include <algorithm>
#include <cctype>

namespace aaiti::auth {
namespace {

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

}  // namespace

std::optional<std::string> control_character_violation(std::string_view field, std::string_view value) {
    if (std::none_of(value.begin(), value.end(), [](char c) { return is_control(static_cast<unsigned char>(c)); }))
        return std::nullopt;
    return std::string(field) + " must not contain control characters (U+0000 to U+001F, U+007F)";
}

std::optional<std::string> username_violation(std::string_view username) {
    if (auto why = control_character_violation("username", username)) return why;
    if (username.size() < 3 || username.size() > 32)
        return "username must be 3 to 32 characters long (this one has " + std::to_string(username.size()) + ")";
    const auto bad = std::find_if(username.begin(), username.end(), [](unsigned char c) {
        return !(std::isalnum(c) || c == '_' || c == '.' || c == '-');
    });
    if (bad != username.end()) {
        const auto c = static_cast<unsigned char>(*bad);
        return std::string("username may contain only letters, digits, '_', '.' and '-'") +
               (c < 0x80 ? std::string(" (not '") + *bad + "')" : std::string(" (no non-ASCII characters)"));
    }
    return std::nullopt;
}

std::optional<std::string> email_violation(std::string_view e) {
    if (auto why = control_character_violation("email", e)) return why;
    if (e.size() > 254) return "email must be at most 254 characters long";
    const auto at = e.find('@');
    bool ok = at != std::string_view::npos && at != 0 && e.find('@', at + 1) == std::string_view::npos &&
              e.find(' ') == std::string_view::npos;
    if (ok) {
        const auto dot = e.find('.', at);
        ok = dot != std::string_view::npos && dot != at + 1 && dot + 1 < e.size();
    }
    if (!ok) return "email must look like name@example.com";
    return std::nullopt;
}

std::optional<std::string> person_name_violation(std::string_view field, std::string_view value) {
    if (auto why = control_character_violation(field, value)) return why;
    if (value.size() > 100) return std::string(field) + " must be at most 100 characters long";
    return std::nullopt;
}

}  // namespace aaiti::auth
