// The /api/auth handlers. Each one validates its input, talks to the Store, and answers with the
// Node service's shapes; errors use the kit's JSON error body. They run on the kit's worker pool.
#include <algorithm>
#include <cctype>
#include <functional>
#include <optional>
#include <variant>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/jwt.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/time_text.h"
#include "common/uuid.h"
#include "services/auth/auth_service.h"
#include "services/auth/json_io.h"
#include "services/auth/lockout.h"
#include "services/auth/password.h"
#include "services/auth/revocation_publisher.h"
#include "services/auth/store.h"
#include "services/auth/validation.h"
#include "services/kit/server.h"

namespace aaiti::auth {
namespace {

using kit::Request;
using kit::Response;
using nlohmann::json;

Response error(const Request& r, int status, std::string_view code, std::string_view message) {
    return kit::error_response(status, code, message, r.request_id);
}
Response ok_json(int status, const json& body) { return Response::json(status, dump(body)); }
Response unauthorized(const Request& r, std::string_view message) {
    auto res = error(r, 401, "unauthorized", message);
    res.headers.set("WWW-Authenticate", "Bearer");
    return res;
}

std::string lower_ascii(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// nullopt when the field holds a string; else "<name> is required" (absent or null) or "<name> must be a string".
std::optional<std::string> required_string(const StringField& field, std::string_view name) {
    if (field.state == StringField::State::string) return std::nullopt;
    return std::string(name) + (field.state == StringField::State::wrong_type ? " must be a string" : " is required");
}

// An optional field: absent, null or a string.
std::optional<std::string> optional_string(const StringField& field, std::string_view name) {
    if (field.state != StringField::State::wrong_type) return std::nullopt;
    return std::string(name) + " must be a string";
}

// The body of a route that takes one. It must be declared application/json (parameters such as
// "; charset=utf-8" allowed, case-insensitive), else 415: text/plain, a form type or no type at all is
// what a browser may send cross-site without a CORS preflight, so accepting them would let any page
// post to the API. Then it must be a JSON object, else 400.
std::variant<json, Response> json_body(const Request& r) {
    if (!is_json_content_type(r.header("Content-Type")))
        return error(r, 415, "unsupported_media_type",
                     "the request body must be sent as Content-Type: application/json");
    auto body = parse_object(r.body);
    if (!body) return error(r, 400, "invalid_json", "the request body must be a JSON object");
    return std::move(*body);
}

// Optional integer query parameter within [min, max].
std::optional<int> int_param(const Request& r, const char* name, int fallback, int min, int max, bool& bad) {
    const auto text = r.query_param(name);
    if (!text) return fallback;
    try {
        std::size_t used = 0;
        const int v = std::stoi(*text, &used);
        if (used == text->size() && v >= min && v <= max) return v;
    } catch (const std::exception&) {
    }
    bad = true;
    return std::nullopt;
}

}  // namespace

struct AuthService::Impl {
    AuthSettings settings;
    std::unique_ptr<Store> store;
    PasswordHasher hasher;
    jwt::KeySet keys;
    RevocationPublisher publisher;
    Lockout lockout;

    metrics::CounterFamily& logins;
    metrics::Counter& registrations;
    metrics::CounterFamily& refreshes;
    metrics::CounterFamily& lockouts;
    metrics::Counter& rehashes;

    Impl(const AuthSettings& s, std::unique_ptr<Store> st, metrics::Registry& registry)
        : settings(s),
          store(std::move(st)),
          hasher(s.password_cost),
          keys(jwt::KeySet::from_config(s.jwt_secret, s.jwt_previous_secrets)),
          publisher(s.redis_url, s.access_ttl, registry),
          lockout(*store, s.lockout_max_failures, s.lockout_duration),
          logins(registry.counter("auth_logins_total", "Login attempts by result.", {"result"})),
          registrations(registry.counter("auth_registrations_total", "Accounts created.").get()),
          refreshes(registry.counter("auth_refresh_total", "Refresh-token uses by result.", {"result"})),
          lockouts(registry.counter("auth_lockouts_total", "Lockouts started, by scope.", {"scope"})),
          rehashes(registry.counter("auth_password_rehashes_total", "Hashes upgraded to argon2id at the current cost.")
                       .get()) {}

    // ---- shared steps -------------------------------------------------------------------------

    void audit(const Request& r, std::string event, const std::string& user_id, const std::string& username,
               std::string detail = {}) {
        AuditEvent e;
        e.at = jwt::unix_now();
        e.event = std::move(event);
        e.user_id = user_id;
        e.username = username;
        e.ip = r.client_address;
        e.request_id = r.request_id;
        e.detail = std::move(detail);
        store->add_audit(e);
    }

    void revoke(const std::vector<std::string>& sids) { publisher.publish(sids); }

    struct Issued {
        std::string access;
        std::string refresh;
    };
    Issued issue_tokens(const User& u, const std::string& sid, const std::string& refresh_jti, std::int64_t now) {
        jwt::Claims access{u.id, u.username, u.role, Uuid::random_v4().to_string(), sid, "access", now,
                           now + settings.access_ttl.count()};
        jwt::Claims refresh{u.id, u.username, u.role, refresh_jti, sid, "refresh", now, now + settings.refresh_ttl.count()};
        return {jwt::sign(access, keys.signing_key()), jwt::sign(refresh, keys.signing_key())};
    }

    json token_body(std::string message, const Issued& t) const {
        return {{"message", std::move(message)},
                {"token", t.access},
                {"refreshToken", t.refresh},
                {"expiresIn", settings.access_ttl.count()}};
    }

    // The caller of a protected route: a valid access token whose session is still live (checked on
    // the primary, so a logout is effective at once). Returns the claims or the 401 to send.
    std::variant<jwt::Claims, Response> authenticate(const Request& r) {
        auto token = bearer_token(r);
        if (!token) return unauthorized(r, "missing bearer token (Authorization: Bearer <token>)");
        return check_access_token(r, *token);
    }

    static std::optional<std::string_view> bearer_token(const Request& r) {
        const auto header = r.header("Authorization");
        if (header.size() < 7 || lower_ascii(std::string(header.substr(0, 7))) != "bearer ") return std::nullopt;
        auto token = header.substr(7);
        while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
        return token;
    }

    std::variant<jwt::Claims, Response> check_access_token(const Request& r, std::string_view token) {
        auto claims = verify_access_token(r, token);
        if (const auto* c = std::get_if<jwt::Claims>(&claims); c && !store->session_active(c->sid, jwt::unix_now()))
            return session_gone(r);
        return claims;
    }

    // Signature, expiry and type only: the caller checks the session (check_access_token, or session_user).
    std::variant<jwt::Claims, Response> verify_access_token(const Request& r, std::string_view token) {
        const auto result = jwt::verify(token, keys, jwt::unix_now());
        if (!result.ok()) return unauthorized(r, "invalid token: " + std::string(jwt::to_string(result.status)));
        if (result.claims.typ != "access") return unauthorized(r, "invalid token: not an access token");
        if (result.claims.sid.empty()) return session_gone(r);
        return result.claims;
    }

    Response session_gone(const Request& r) { return unauthorized(r, "session revoked or expired; sign in again"); }

    std::variant<jwt::Claims, Response> authenticate_admin(const Request& r) {
        auto caller = authenticate(r);
        if (auto* claims = std::get_if<jwt::Claims>(&caller); claims && claims->role != "admin")
            return error(r, 403, "forbidden", "this endpoint needs the admin role");
        return caller;
    }

    // What a password is being checked for: the audit events and the answer to a wrong one.
    struct PasswordUse {
        const char* failed_event;   // audited on a wrong password
        const char* blocked_event;  // audited when the lockout refuses the attempt
        const char* wrong_message;  // the 401's message
        metrics::CounterFamily* results = nullptr;  // counted by result=success|failure|locked, when given
    };
    static std::string account_key(const User& user) { return "user:" + user.id; }
    static constexpr const char* k_wrong_login = "invalid username/email or password";

    // Every password check of the service goes through here, under the lockout of lockout.h: the attempt
    // is reserved on `account` and the client IP before any hashing, so a locked key answers 429 +
    // Retry-After even to the right password, and concurrent guesses get no more verdicts than the
    // limit. `user` null means an unknown login name: the dummy hash is checked instead (the same work,
    // no timing oracle) and the answer is the same 401. Returns the check when the password is right
    // (the account's counter is then cleared), else the response to send.
    std::variant<PasswordCheck, Response> check_password(const Request& r, const User* user, const std::string& account,
                                                         const std::string& name, std::string_view password,
                                                         const PasswordUse& use) {
        const std::string ip = r.client_address;
        const std::int64_t now = jwt::unix_now();
        const auto attempt = lockout.begin(account, ip, now);
        const std::string user_id = user ? user->id : std::string();
        if (!attempt.allowed()) {
            if (use.results) use.results->with({"locked"}).inc();
            const std::string wait = std::to_string(attempt.retry_after);
            audit(r, use.blocked_event, user_id, name,
                  attempt.locked ? "locked out for " + wait + "s more" : "the limit is taken by attempts being checked");
            auto res = error(r, 429, "too_many_attempts",
                             attempt.locked ? "too many failed password attempts; try again in " + wait + " seconds"
                                            : "too many password attempts at once; try again in " + wait + " seconds");
            res.headers.set("Retry-After", wait);
            return res;
        }
        PasswordCheck check;
        if (user)
            check = hasher.verify(password, user->password_hash);
        else
            hasher.verify_dummy(password);
        if (check.ok) {
            lockout.succeeded(account, ip);
            if (use.results) use.results->with({"success"}).inc();
            return check;
        }
        if (use.results) use.results->with({"failure"}).inc();
        audit(r, use.failed_event, user_id, name, user ? "wrong password" : "unknown user");
        if (const auto locked = lockout.failed(account, ip, jwt::unix_now()); locked.account || locked.ip) {
            const std::string scope = locked.account ? "account" : "ip";
            lockouts.with({scope}).inc();
            audit(r, "lockout", user_id, name,
                  "scope=" + scope + " for " + std::to_string(settings.lockout_duration.count()) + "s");
        }
        return error(r, 401, "invalid_credentials", use.wrong_message);
    }

    // ---- routes -------------------------------------------------------------------------------

    Response register_user(const Request& r) {
        auto parsed = json_body(r);
        if (auto* res = std::get_if<Response>(&parsed)) return std::move(*res);
        const json& body = std::get<json>(parsed);
        const auto role = string_field(body, "role");
        if (role.state == StringField::State::wrong_type || (role.present() && role.value != "user"))
            return error(r, 403, "role_not_allowed",
                         "registration cannot choose a role; new accounts are \"user\" and an administrator assigns "
                         "roles (PATCH /api/auth/users/{id}/role)");
        const auto username = string_field(body, "username");
        const auto email = string_field(body, "email");
        const auto password = string_field(body, "password");
        const auto first = string_field(body, "firstName");
        const auto last = string_field(body, "lastName");
        for (const auto& why :
             {required_string(username, "username"), username_violation(username.value),
              required_string(email, "email"), email_violation(lower_ascii(email.value)),
              required_string(password, "password"),
              optional_string(first, "firstName"), person_name_violation("firstName", first.value),
              optional_string(last, "lastName"), person_name_violation("lastName", last.value)})
            if (why) return error(r, 400, "validation_error", *why);
        if (const auto why = password_policy_violation(password.value, username.value))
            return error(r, 400, "weak_password", *why);

        const std::int64_t now = jwt::unix_now();
        User u;
        u.id = Uuid::random_v4().to_string();
        u.username = username.value;
        u.email = lower_ascii(email.value);
        u.password_hash = hasher.hash(password.value);
        u.first_name = first.value;
        u.last_name = last.value;
        u.role = "user";
        u.created_at = u.updated_at = now;
        switch (store->create_user(u)) {
            case WriteResult::username_taken: return error(r, 409, "conflict", "that username is already taken");
            case WriteResult::email_taken: return error(r, 409, "conflict", "an account with that email already exists");
            default: break;
        }
        registrations.inc();
        audit(r, "register", u.id, u.username);
        return ok_json(201, {{"message", "User registered successfully"}, {"user", user_json(u)}});
    }

    Response login(const Request& r) {
        auto parsed = json_body(r);
        if (auto* res = std::get_if<Response>(&parsed)) return std::move(*res);
        const json& body = std::get<json>(parsed);
        const auto username = string_field(body, "username");
        const auto email = string_field(body, "email");
        const auto password = string_field(body, "password");
        const bool by_username = username.state == StringField::State::string && !username.value.empty();
        if ((!by_username && (email.state != StringField::State::string || email.value.empty())) ||
            password.state != StringField::State::string)
            return error(r, 400, "validation_error", "username (or email) and password are required strings");
        if ((by_username ? username.value : email.value).size() > 254 || password.value.size() > 1024)
            return error(r, 400, "validation_error", "username/email (254) or password (1024 bytes) too long");
        // Refused before any lookup: PostgreSQL would look up "name\0junk" as "name".
        if (const auto why = control_character_violation(by_username ? "username" : "email",
                                                         by_username ? username.value : email.value))
            return error(r, 400, "validation_error", *why);
        const std::string identifier = lower_ascii(by_username ? username.value : email.value);

        // Usernames cannot contain '@': a "username" that does is an e-mail (the Node app accepted both).
        const bool looks_like_email = identifier.find('@') != std::string::npos;
        const auto user = looks_like_email ? store->user_by_email(identifier) : store->user_by_username(identifier);
        // One counter per account whichever name it is reached by (username or e-mail); unknown names
        // get their own, so guessing at accounts that do not exist is throttled too.
        const std::string account = user ? account_key(*user) : "name:" + identifier;

        auto checked = check_password(r, user ? &*user : nullptr, account, identifier, password.value,
                                      {"login_failed", "login_blocked", k_wrong_login, &logins});
        if (auto* res = std::get_if<Response>(&checked)) return std::move(*res);
        const auto& check = std::get<PasswordCheck>(checked);
        const std::int64_t now = jwt::unix_now();
        if (check.needs_rehash) {
            store->set_password_hash(user->id, hasher.hash(password.value), now);
            rehashes.inc();
            audit(r, "password_rehash", user->id, user->username, "upgraded to argon2id");
        }
        const std::string sid = Uuid::random_v4().to_string();
        const std::string refresh_jti = Uuid::random_v4().to_string();
        store->create_session(sid, user->id, refresh_jti, now, now + settings.refresh_ttl.count());
        const auto tokens = issue_tokens(*user, sid, refresh_jti, now);
        audit(r, "login_ok", user->id, user->username, "session " + sid);
        auto out = token_body("Login successful", tokens);
        out["user"] = user_json(*user);
        return ok_json(200, out);
    }

    Response refresh(const Request& r) {
        auto parsed = json_body(r);
        if (auto* res = std::get_if<Response>(&parsed)) return std::move(*res);
        const json& body = std::get<json>(parsed);
        const auto token = string_field(body, "refreshToken");
        if (token.state != StringField::State::string || token.value.empty())
            return error(r, 400, "validation_error", "refreshToken is required");
        const std::int64_t now = jwt::unix_now();
        const auto verified = jwt::verify(token.value, keys, now);
        if (!verified.ok() || verified.claims.typ != "refresh" || verified.claims.sid.empty()) {
            refreshes.with({"invalid"}).inc();
            return unauthorized(r, "invalid refresh token");
        }
        const auto& c = verified.claims;
        const std::string new_jti = Uuid::random_v4().to_string();
        switch (store->rotate_session(c.sid, c.sub, c.jti, new_jti, now, now + settings.refresh_ttl.count())) {
            case Rotation::rotated: break;
            case Rotation::reused: {
                // An old token of a live family: someone holds a copy. Revoke the whole family.
                store->revoke_session(c.sid, "refresh_reuse", now);
                revoke({c.sid});
                refreshes.with({"reused"}).inc();
                audit(r, "refresh_reuse", c.sub, c.username, "session " + c.sid + " revoked");
                return unauthorized(r, "refresh token already used; the session has been revoked, sign in again");
            }
            default:
                refreshes.with({"revoked"}).inc();
                return unauthorized(r, "session revoked or expired; sign in again");
        }
        const auto user = store->user_by_id(c.sub, Read::primary);
        if (!user) {
            store->revoke_session(c.sid, "user_deleted", now);
            return unauthorized(r, "the account no longer exists");
        }
        refreshes.with({"rotated"}).inc();
        audit(r, "refresh", user->id, user->username, "session " + c.sid);
        return ok_json(200, token_body("Token refreshed", issue_tokens(*user, c.sid, new_jti, now)));
    }

    Response verify(const Request& r) {
        auto parsed = json_body(r);
        if (auto* res = std::get_if<Response>(&parsed)) return std::move(*res);
        const json& body = std::get<json>(parsed);
        const auto token = string_field(body, "token");
        if (token.state != StringField::State::string || token.value.empty())
            return error(r, 400, "validation_error", "token is required");
        auto caller = check_access_token(r, token.value);
        if (auto* res = std::get_if<Response>(&caller)) {
            // The Node service answered {valid:false,...}: keep that field beside the usual error object.
            auto body = parse_object(res->body);
            if (body) {
                (*body)["valid"] = false;
                res->body = dump(*body);
            }
            return std::move(*res);
        }
        const auto& c = std::get<jwt::Claims>(caller);
        return ok_json(200, {{"valid", true},
                             {"user", {{"id", c.sub}, {"username", c.username}, {"role", c.role}}},
                             {"expiresAt", format_utc(c.exp)}});
    }

    // The busiest authenticated route: the session check and the read in one query on the primary.
    Response get_profile(const Request& r) {
        const auto token = bearer_token(r);
        if (!token) return unauthorized(r, "missing bearer token (Authorization: Bearer <token>)");
        auto caller = verify_access_token(r, *token);
        if (auto* res = std::get_if<Response>(&caller)) return std::move(*res);
        const auto& c = std::get<jwt::Claims>(caller);
        const auto user = store->session_user(c.sid, c.sub, jwt::unix_now());
        if (!user) return session_gone(r);  // revoked, expired, or the account was deleted with its sessions
        return ok_json(200, {{"user", user_json(*user)}});
    }

    Response put_profile(const Request& r) {
        auto caller = authenticate(r);
        if (auto* res = std::get_if<Response>(&caller)) return std::move(*res);
        const auto& c = std::get<jwt::Claims>(caller);
        auto parsed = json_body(r);
        if (auto* res = std::get_if<Response>(&parsed)) return std::move(*res);
        const json& body = std::get<json>(parsed);
        auto user = store->user_by_id(c.sub, Read::primary);
        if (!user) return error(r, 404, "not_found", "the account no longer exists");
        const auto role = string_field(body, "role");
        if (role.state == StringField::State::wrong_type || (role.present() && role.value != user->role))
            return error(r, 403, "role_not_allowed", "a profile update cannot change the role");
        const auto username = string_field(body, "username");
        if (const auto why = control_character_violation("username", username.value))
            return error(r, 400, "validation_error", *why);
        if (username.state == StringField::State::wrong_type ||
            (username.present() && lower_ascii(username.value) != lower_ascii(user->username)))
            return error(r, 400, "validation_error", "the username cannot be changed");
        const auto email = string_field(body, "email");
        const auto first = string_field(body, "firstName");
        const auto last = string_field(body, "lastName");
        for (const auto& why :
             {optional_string(email, "email"),
              email.present() ? email_violation(lower_ascii(email.value)) : std::nullopt,
              optional_string(first, "firstName"), person_name_violation("firstName", first.value),
              optional_string(last, "lastName"), person_name_violation("lastName", last.value)})
            if (why) return error(r, 400, "validation_error", *why);
        if (email.present()) user->email = lower_ascii(email.value);
        if (first.state != StringField::State::absent) user->first_name = first.value;
        if (last.state != StringField::State::absent) user->last_name = last.value;
        user->updated_at = jwt::unix_now();
        switch (store->update_profile(user->id, user->email, user->first_name, user->last_name, user->updated_at)) {
            case WriteResult::email_taken: return error(r, 409, "conflict", "an account with that email already exists");
            case WriteResult::not_found: return error(r, 404, "not_found", "the account no longer exists");
            default: break;
        }
        audit(r, "profile_update", user->id, user->username);
        return ok_json(200, {{"message", "Profile updated successfully"}, {"user", user_json(*user)}});
    }

    Response change_password(const Request& r) {
        auto caller = authenticate(r);
        if (auto* res = std::get_if<Response>(&caller)) return std::move(*res);
        const auto& c = std::get<jwt::Claims>(caller);
        auto parsed = json_body(r);
        if (auto* res = std::get_if<Response>(&parsed)) return std::move(*res);
        const json& body = std::get<json>(parsed);
        const auto current = string_field(body, "currentPassword");
        const auto next = string_field(body, "newPassword");
        if (current.state != StringField::State::string || next.state != StringField::State::string)
            return error(r, 400, "validation_error", "currentPassword and newPassword are required strings");
        const auto user = store->user_by_id(c.sub, Read::primary);
        if (!user) return error(r, 404, "not_found", "the account no longer exists");
        // A new password the policy refuses fails anyway: checked first, it costs no attempt.
        if (const auto why = password_policy_violation(next.value, user->username))
            return error(r, 400, "weak_password", *why);
        // The current password is a guess like a login's: the same counter for the account (as login
        // keys it), the same address limit, the same 429. A stolen access token is no password oracle.
        auto checked =
            check_password(r, &*user, account_key(*user), user->username, current.value,
                           {"password_change_failed", "password_change_blocked", "the current password is wrong"});
        if (auto* res = std::get_if<Response>(&checked)) return std::move(*res);
        const std::int64_t now = jwt::unix_now();
        store->set_password_hash(user->id, hasher.hash(next.value), now);
        const auto sids = store->revoke_user_sessions(user->id, "password_change", now);
        revoke(sids);
        audit(r, "password_change", user->id, user->username, std::to_string(sids.size()) + " sessions revoked");
        return ok_json(200, {{"message", "Password changed successfully; every session was signed out, sign in again"}});
    }

    Response logout(const Request& r) {
        auto caller = authenticate(r);
        if (auto* res = std::get_if<Response>(&caller)) return std::move(*res);
        const auto& c = std::get<jwt::Claims>(caller);
        store->revoke_session(c.sid, "logout", jwt::unix_now());
        revoke({c.sid});
        audit(r, "logout", c.sub, c.username, "session " + c.sid);
        return ok_json(200, {{"message", "Logged out successfully"}});
    }

    Response list_users(const Request& r) {
        auto caller = authenticate_admin(r);
        if (auto* res = std::get_if<Response>(&caller)) return std::move(*res);
        bool bad = false;
        const auto limit = int_param(r, "limit", 50, 1, 500, bad);
        const auto offset = int_param(r, "offset", 0, 0, 1'000'000'000, bad);
        if (bad) return error(r, 400, "validation_error", "limit must be 1..500 and offset a non-negative integer");
        json users = json::array();
        for (const auto& u : store->list_users(*limit, *offset, Read::replica)) users.push_back(user_json(u));
        return ok_json(200, {{"users", users}, {"limit", *limit}, {"offset", *offset}});
    }

    Response set_role(const Request& r) {
        auto caller = authenticate_admin(r);
        if (auto* res = std::get_if<Response>(&caller)) return std::move(*res);
        const auto& c = std::get<jwt::Claims>(caller);
        const std::string id(r.param("id"));
        if (const auto why = control_character_violation("the user id", id))
            return error(r, 400, "validation_error", *why);
        if (id == c.sub) return error(r, 403, "forbidden", "you cannot change your own role");
        auto parsed = json_body(r);
        if (auto* res = std::get_if<Response>(&parsed)) return std::move(*res);
        const json& body = std::get<json>(parsed);
        const auto role = string_field(body, "role");
        if (role.state != StringField::State::string || (role.value != "user" && role.value != "admin"))
            return error(r, 400, "validation_error", "role must be \"user\" or \"admin\"");
        const std::int64_t now = jwt::unix_now();
        if (store->set_role(id, role.value, now) != WriteResult::ok) return error(r, 404, "not_found", "no such user");
        // Tokens carry the role: the old ones must stop working.
        const auto sids = store->revoke_user_sessions(id, "role_change", now);
        revoke(sids);
        const auto user = store->user_by_id(id, Read::primary);
        audit(r, "role_change", id, user ? user->username : "", "role=" + role.value + " by " + c.username);
        json out = {{"message", "Role updated successfully"}};
        if (user) out["user"] = user_json(*user);
        return ok_json(200, out);
    }

    Response delete_user(const Request& r) {
        auto caller = authenticate_admin(r);
        if (auto* res = std::get_if<Response>(&caller)) return std::move(*res);
        const auto& c = std::get<jwt::Claims>(caller);
        const std::string id(r.param("id"));
        if (const auto why = control_character_violation("the user id", id))
            return error(r, 400, "validation_error", *why);
        if (id == c.sub) return error(r, 403, "forbidden", "you cannot delete your own account here");
        const auto user = store->user_by_id(id, Read::primary);
        if (!user) return error(r, 404, "not_found", "no such user");
        const std::int64_t now = jwt::unix_now();
        const auto sids = store->revoke_user_sessions(id, "account_deleted", now);
        revoke(sids);
        if (store->delete_user(id) != WriteResult::ok) return error(r, 404, "not_found", "no such user");
        audit(r, "user_delete", id, user->username, "by " + c.username);
        return ok_json(200, {{"message", "User deleted successfully"}});
    }

    Response list_audit(const Request& r) {
        auto caller = authenticate_admin(r);
        if (auto* res = std::get_if<Response>(&caller)) return std::move(*res);
        bool bad = false;
        const auto limit = int_param(r, "limit", 100, 1, 1000, bad);
        const auto offset = int_param(r, "offset", 0, 0, 1'000'000'000, bad);
        if (bad) return error(r, 400, "validation_error", "limit must be 1..1000 and offset a non-negative integer");
        json events = json::array();
        for (const auto& e : store->list_audit(*limit, *offset)) events.push_back(audit_json(e));
        return ok_json(200, {{"events", events}, {"limit", *limit}, {"offset", *offset}});
    }
};

AuthService::AuthService(const AuthSettings& settings, std::unique_ptr<Store> store, metrics::Registry& registry)
    : impl_(std::make_unique<Impl>(settings, std::move(store), registry)) {}

AuthService::~AuthService() = default;

void AuthService::register_routes(kit::Server& server) {
    Impl* impl = impl_.get();
    // Every handler runs on a worker pool; a database that went away answers 503, not 500. The ones
    // that hash or verify a password get a pool of their own (settings.h: hash_concurrency/queue).
    server.add_worker_pool(std::string(k_password_pool), impl->settings.hash_concurrency, impl->settings.hash_queue,
                           impl->settings.hash_nice);
    auto blocking = [&server, impl](const char* method, const char* path, Response (Impl::*member)(const Request&),
                                    std::string_view pool = kit::Server::k_default_pool) {
        server.route_blocking(method, path, [impl, member](const Request& r) {
            try {
                return (impl->*member)(r);
            } catch (const UnavailableError& e) {
                logging::error("auth: database unavailable", {{"error", e.what()}, {"request_id", r.request_id}});
                auto res = kit::error_response(503, "unavailable", "the account database is unavailable; retry shortly",
                                               r.request_id);
                res.headers.set("Retry-After", "1");
                return res;
            }
        }, pool);
    };
    blocking("POST", "/api/auth/register", &Impl::register_user, k_password_pool);
    blocking("POST", "/api/auth/login", &Impl::login, k_password_pool);
    blocking("POST", "/api/auth/refresh", &Impl::refresh);
    blocking("POST", "/api/auth/verify", &Impl::verify);
    blocking("GET", "/api/auth/profile", &Impl::get_profile);
    blocking("PUT", "/api/auth/profile", &Impl::put_profile);
    blocking("POST", "/api/auth/change-password", &Impl::change_password, k_password_pool);
    blocking("POST", "/api/auth/logout", &Impl::logout);
    blocking("GET", "/api/auth/users", &Impl::list_users);
    blocking("PATCH", "/api/auth/users/{id}/role", &Impl::set_role);
    blocking("DELETE", "/api/auth/users/{id}", &Impl::delete_user);
    blocking("GET", "/api/auth/audit", &Impl::list_audit);

    server.add_readiness_check("database", [impl] {
        return impl->store->ping() ? kit::CheckResult::healthy()
                                   : kit::CheckResult::failed(impl->store->backend() + " database unreachable");
    });
}

}  // namespace aaiti::auth
