#pragma once
// What names a caller may give: usernames, e-mails, first and last names, and any other identifier a
// request or `aaiti-auth set-role` carries. Each function returns nullopt when the value is acceptable,
// else the message for the 400 validation_error (or the usage error): the field and the rule it breaks.
//
// Control characters (U+0000-U+001F, U+007F) are refused in all of them, on every store, before any
// lookup: PostgreSQL text cannot hold a NUL and libpq ends a parameter at the first one, so a login
// as "name\0junk" looked up, and signed in as, "name"; SQLite stores the NUL. Neither belongs in a name.
#include <optional>
#include <string>
#include <string_view>

namespace aaiti::auth {

// "<field> must not contain control characters (...)" when `value` holds one.
std::optional<std::string> control_character_violation(std::string_view field, std::string_view value);

// A new account's username: 3 to 32 of letters, digits, '_', '.' and '-' (no '@': a login name that
// has one is an e-mail).
std::optional<std::string> username_violation(std::string_view username);

// An e-mail address as stored (lower-cased): one '@' with something before it, a dot in the domain,
// at most 254 bytes, no blanks or control characters.
std::optional<std::string> email_violation(std::string_view email);

// firstName / lastName: at most 100 bytes, no control characters.
std::optional<std::string> person_name_violation(std::string_view field, std::string_view value);

}  // namespace aaiti::auth
