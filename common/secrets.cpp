#include "common/secrets.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <sstream>

#include "common/error.h"

namespace aaiti {
namespace {

bool iequals_prefix(std::string_view text, std::size_t at, std::string_view word) {
    if (at + word.size() > text.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[at + i])) != word[i]) return false;
    return true;
}

// Parameter names whose values are credentials, in libpq key/value strings and URL queries. A name
// only matches at a word start ("password_policy=" is no secret), so prefixed ones are listed whole:
// redis-sentinel://...?sentinel_password= (common/redis.h).
constexpr std::array<std::string_view, 7> k_secret_params = {"password", "passwd", "token", "secret",
                                                             "api_key", "apikey", "sentinel_password"};

// Replaces the value of every `name=value` pair whose name is a credential. `separators` ends a value.
std::string mask_credential_params(std::string_view text, std::string_view separators) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        bool masked = false;
        const bool at_word_start = i == 0 || !(std::isalnum(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '_');
        if (at_word_start) {
            for (std::string_view param : k_secret_params) {
                std::size_t after = i + param.size();
                if (!iequals_prefix(text, i, param)) continue;
                while (after < text.size() && text[after] == ' ') ++after;
                if (after >= text.size() || text[after] != '=') continue;
                ++after;
                while (after < text.size() && text[after] == ' ') ++after;
                std::size_t end = after;
                if (end < text.size() && text[end] == '\'') {  // libpq quoted value
                    ++end;
                    while (end < text.size() && text[end] != '\'') end += (text[end] == '\\') ? 2 : 1;
                    end = std::min(end + 1, text.size());
                } else {
                    while (end < text.size() && separators.find(text[end]) == std::string_view::npos) ++end;
                }
                out.append(text.substr(i, after - i));
                if (end > after) out.append(k_mask);
                i = end;
                masked = true;
                break;
            }
        }
        if (!masked) out.push_back(text[i++]);
    }
    return out;
}

// Masks the password in the userinfo of one URL starting at `text` (which begins with scheme://).
// Returns the number of characters of `text` consumed and appends the masked URL to `out`.
std::size_t mask_one_url(std::string_view text, std::string& out) {
    const std::size_t scheme_end = text.find("://");
    std::size_t end = scheme_end + 3;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) && text[end] != '"' &&
           text[end] != '\'' && text[end] != '>')
        ++end;
    std::string_view url = text.substr(0, end);
    const std::size_t authority = scheme_end + 3;
    const std::size_t path_start = std::min(url.find_first_of("/?#", authority), url.size());
    const std::size_t at = url.rfind('@', path_start == url.size() ? url.size() - 1 : path_start);
    std::string masked;
    if (at != std::string_view::npos && at >= authority && at < path_start) {
        const std::size_t colon = url.find(':', authority);
        if (colon != std::string_view::npos && colon < at) {
            masked.append(url.substr(0, colon + 1)).append(k_mask).append(url.substr(at));
        } else {
            masked.append(url);
        }
    } else {
        masked.append(url);
    }
    out.append(mask_credential_params(masked, "&#"));
    return end;
}

}  // namespace

std::string mask_secrets_in_url(std::string_view url) {
    if (url.find("://") == std::string_view::npos) return mask_credential_params(url, " \t\n&");
    std::string out;
    mask_one_url(url, out);
    return out;
}

std::string mask_secrets_in_text(std::string_view text) {
    if (text.find("://") == std::string_view::npos) return mask_credential_params(text, " \t\n&,;\"'");
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t sep = text.find("://", i);
        if (sep == std::string_view::npos) {
            out.append(mask_credential_params(text.substr(i), " \t\n&,;\"'"));
            break;
        }
        // Walk back over the scheme letters.
        std::size_t scheme_start = sep;
        while (scheme_start > i && (std::isalnum(static_cast<unsigned char>(text[scheme_start - 1])) ||
                                    text[scheme_start - 1] == '+' || text[scheme_start - 1] == '-' ||
                                    text[scheme_start - 1] == '.'))
            --scheme_start;
        out.append(mask_credential_params(text.substr(i, scheme_start - i), " \t\n&,;\"'"));
        if (scheme_start == sep) {  // "://" without a scheme: not a URL
            out.append("://");
            i = sep + 3;
            continue;
        }
        i = scheme_start + mask_one_url(text.substr(scheme_start), out);
    }
    return out;
}

bool is_secret_key(std::string_view key) {
    std::string upper(key);
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
    auto ends_with = [&](std::string_view s) { return upper.size() >= s.size() && upper.compare(upper.size() - s.size(), s.size(), s) == 0; };
    return ends_with("PASSWORD") || ends_with("SECRET") || ends_with("TOKEN") || ends_with("_PASS") ||
           ends_with("WEBHOOK") || ends_with("API_KEY") || ends_with("PASSPHRASE");
}

std::string read_secret_file(const std::string& path, std::string_view what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(std::string(what) + ": cannot read secret file \"" + path + "\"; check that it exists and is readable");
    std::ostringstream content;
    content << in.rdbuf();
    std::string value = content.str();
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    return value;
}

}  // namespace aaiti
