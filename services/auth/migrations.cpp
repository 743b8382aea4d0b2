#include "services/auth/migrations.h"

namespace aaiti::auth {

// Version 1 on both back ends: users (UUID ids, case-insensitive unique usernames and e-mails),
// sessions (refresh-token families), login_failures (lockout counters) and audit_log.
// Times are BIGINT Unix seconds on both so comparisons behave the same.
// Version 2: login_failures.window_started_at. Attempts are reserved before the password is checked,
// so a right password (given back) must not keep the window open: it runs from the key's first
// reservation, not from the last attempt. Version 3: login_failures.in_flight, the reserved attempts
// whose passwords are still being checked, counted apart from the failures. Columns are added, never
// renamed: an instance still on an older version keeps working beside a newer one.

const std::vector<Migration>& sqlite_migrations() {
    static const std::vector<Migration> migrations = {
        {1,
         "users, sessions, login failures, audit log",
         {
             R"(CREATE TABLE users (
                  id TEXT PRIMARY KEY,
                  username TEXT NOT NULL,
                  email TEXT NOT NULL,
                  password_hash TEXT NOT NULL,
                  first_name TEXT NOT NULL DEFAULT '',
                  last_name TEXT NOT NULL DEFAULT '',
                  role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
                  created_at INTEGER NOT NULL,
                  updated_at INTEGER NOT NULL))",
             "CREATE UNIQUE INDEX users_username_key ON users (lower(username))",
             "CREATE UNIQUE INDEX users_email_key ON users (email)",
             R"(CREATE TABLE sessions (
                  id TEXT PRIMARY KEY,
                  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                  current_jti TEXT NOT NULL,
                  created_at INTEGER NOT NULL,
                  last_used_at INTEGER NOT NULL,
                  expires_at INTEGER NOT NULL,
                  revoked_at INTEGER,
                  revoked_reason TEXT))",
             "CREATE INDEX sessions_user_id ON sessions (user_id)",
             R"(CREATE TABLE login_failures (
                  scope TEXT NOT NULL,
                  key TEXT NOT NULL,
                  failures INTEGER NOT NULL,
                  last_failure_at INTEGER NOT NULL,
                  locked_until INTEGER NOT NULL DEFAULT 0,
                  PRIMARY KEY (scope, key)))",
             R"(CREATE TABLE audit_log (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  at INTEGER NOT NULL,
                  event TEXT NOT NULL,
                  user_id TEXT NOT NULL DEFAULT '',
                  username TEXT NOT NULL DEFAULT '',
                  ip TEXT NOT NULL DEFAULT '',
                  request_id TEXT NOT NULL DEFAULT '',
                  detail TEXT NOT NULL DEFAULT ''))",
         }},
        {2,
         "login_failures.window_started_at",
         {"ALTER TABLE login_failures ADD COLUMN window_started_at INTEGER NOT NULL DEFAULT 0"}},
        {3, "login_failures.in_flight", {"ALTER TABLE login_failures ADD COLUMN in_flight INTEGER NOT NULL DEFAULT 0"}},
    };
    return migrations;
}

const std::vector<Migration>& postgres_migrations() {
    static const std::vector<Migration> migrations = {
        {1,
         "users, sessions, login failures, audit log",
         {
             R"(CREATE TABLE users (
                  id UUID PRIMARY KEY,
                  username TEXT NOT NULL,
                  email TEXT NOT NULL,
                  password_hash TEXT NOT NULL,
                  first_name TEXT NOT NULL DEFAULT '',
                  last_name TEXT NOT NULL DEFAULT '',
                  role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
                  created_at BIGINT NOT NULL,
                  updated_at BIGINT NOT NULL))",
             "CREATE UNIQUE INDEX users_username_key ON users (lower(username))",
             "CREATE UNIQUE INDEX users_email_key ON users (email)",
             R"(CREATE TABLE sessions (
                  id TEXT PRIMARY KEY,
                  user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                  current_jti TEXT NOT NULL,
                  created_at BIGINT NOT NULL,
                  last_used_at BIGINT NOT NULL,
                  expires_at BIGINT NOT NULL,
                  revoked_at BIGINT,
                  revoked_reason TEXT))",
             "CREATE INDEX sessions_user_id ON sessions (user_id)",
             R"(CREATE TABLE login_failures (
                  scope TEXT NOT NULL,
                  key TEXT NOT NULL,
                  failures INTEGER NOT NULL,
                  last_failure_at BIGINT NOT NULL,
                  locked_until BIGINT NOT NULL DEFAULT 0,
                  PRIMARY KEY (scope, key)))",
             R"(CREATE TABLE audit_log (
                  id BIGSERIAL PRIMARY KEY,
                  at BIGINT NOT NULL,
                  event TEXT NOT NULL,
                  user_id TEXT NOT NULL DEFAULT '',
                  username TEXT NOT NULL DEFAULT '',
                  ip TEXT NOT NULL DEFAULT '',
                  request_id TEXT NOT NULL DEFAULT '',
                  detail TEXT NOT NULL DEFAULT ''))",
         }},
        {2,
         "login_failures.window_started_at",
         {"ALTER TABLE login_failures ADD COLUMN window_started_at BIGINT NOT NULL DEFAULT 0"}},
        {3, "login_failures.in_flight", {"ALTER TABLE login_failures ADD COLUMN in_flight INTEGER NOT NULL DEFAULT 0"}},
    };
    return migrations;
}

}  // namespace aaiti::auth
