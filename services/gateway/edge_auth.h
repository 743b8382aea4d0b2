#pragma once
// JWT at the edge: which requests need a token, and checking it before anything reaches an upstream.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/jwt.h"
#include "services/kit/request.h"

namespace aaiti::gateway {

// True for the requests that carry no token: POST /api/auth/{register,login,refresh,verify}.
// (/health, /health/services, /services and /metrics are the gateway's own routes and never proxied.)
bool is_public_request(std::string_view method, std::string_view path) noexcept;

// Whether the request carries more than one Authorization field: such a request is refused 400 before
// anything else of it is used (the gateway would check the first, an upstream might read the last).
bool has_repeated_authorization(const kit::Headers& headers) noexcept;

struct AuthOutcome {
    bool ok = false;
    std::string code;     // "missing_token", "invalid_token", "token_expired" when !ok
    std::string message;  // for the 401 body: says what is wrong, never echoes the token
    jwt::Claims claims;   // when ok
};

// Reads "Authorization: Bearer <token>" and verifies it (HS256, kid, signature, exp); only access
// tokens are accepted (a refresh token is not a credential for the API).
AuthOutcome authenticate(const kit::Request& request, const jwt::KeySet& keys, std::int64_t now);

}  // namespace aaiti::gateway
