#include "services/gateway/edge_auth.h"

#include "services/kit/headers.h"

namespace aaiti::gateway {

bool is_public_request(std::string_view method, std::string_view path) noexcept {
    if (method != "POST") return false;
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    return path == "/api/auth/register" || path == "/api/auth/login" || path == "/api/auth/refresh" ||
           path == "/api/auth/verify";
}

bool has_repeated_authorization(const kit::Headers& headers) noexcept {
    int seen = 0;
    for (const auto& h : headers)
        if (h.name.size() == 13 && kit::iequals(h.name, "authorization") && ++seen > 1) return true;
    return false;
}

AuthOutcome authenticate(const kit::Request& request, const jwt::KeySet& keys, std::int64_t now) {
    AuthOutcome out;
    std::string_view header = request.header("authorization");
    constexpr std::string_view scheme = "bearer ";
    if (header.empty()) {
        out.code = "missing_token";
        out.message = "this route needs an access token: Authorization: Bearer <token>";
        return out;
    }
    if (header.size() <= scheme.size() || !kit::iequals(header.substr(0, scheme.size()), scheme)) {
        out.code = "invalid_token";
        out.message = "the Authorization header must be \"Bearer <token>\"";
        return out;
    }
    std::string_view token = header.substr(scheme.size());
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    jwt::VerifyResult result = jwt::verify(token, keys, now);
    if (!result.ok()) {
        out.code = result.status == jwt::VerifyStatus::expired ? "token_expired" : "invalid_token";
        out.message = result.status == jwt::VerifyStatus::expired
                          ? "the access token has expired; refresh it at POST /api/auth/refresh"
                          : "the access token is not valid (" + std::string(jwt::to_string(result.status)) + ")";
        return out;
    }
    if (result.claims.typ != "access") {
        out.code = "invalid_token";
        out.message = "only access tokens are accepted here";
        return out;
    }
    if (result.claims.sub.empty()) {
        out.code = "invalid_token";
        out.message = "the access token names no user";
        return out;
    }
    out.ok = true;
    out.claims = std::move(result.claims);
    return out;
}

}  // namespace aaiti::gateway
