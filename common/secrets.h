#pragma once
// Keeping secrets out of logs, errors and reports.
#include <string>
#include <string_view>

namespace aaiti {

inline constexpr std::string_view k_mask = "****";

// "postgresql://app:s3cret@db:5432/x" -> "postgresql://app:****@db:5432/x". Also masks
// `password=...` in libpq key/value strings and `password=`/`token=`/`secret=` query parameters.
// Text without credentials is returned unchanged.
std::string mask_secrets_in_url(std::string_view url);

// Masks every URL (scheme://...) and key=value credential found anywhere in free text,
// for messages that may quote a connection string (error texts from libpq, curl, ...).
std::string mask_secrets_in_text(std::string_view text);

// True for configuration keys that hold secrets (…PASSWORD, …SECRET, …TOKEN, …_PASS, webhooks).
bool is_secret_key(std::string_view key);

// Reads a secret from a file: trailing newlines are stripped, the file must exist and be readable.
// Throws ConfigError naming `what` (e.g. "DB_PASSWORD_FILE") and the path.
std::string read_secret_file(const std::string& path, std::string_view what);

}  // namespace aaiti
