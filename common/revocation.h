#pragma once
// The contract between aaiti-auth, which revokes sessions, and aaiti-gateway, which refuses their
// tokens at the edge. Every access token carries `sid`, the session (refresh-token family) it belongs
// to. Logout, refresh-token reuse, password change, role change and account deletion revoke sessions;
// auth then sets, for each revoked session,
//     SET aaiti:revoked:sid:<sid> 1 EX <access token lifetime + 60 s>
// so the key outlives every access token of that session. The gateway refuses a token whose session
// key exists (one EXISTS, folded into its rate-limit round trip).
#include <string>
#include <string_view>

namespace aaiti::revocation {

inline constexpr std::string_view k_session_key_prefix = "aaiti:revoked:sid:";

inline std::string session_key(std::string_view sid) {
    std::string key(k_session_key_prefix);
    key.append(sid);
    return key;
}

}  // namespace aaiti::revocation
