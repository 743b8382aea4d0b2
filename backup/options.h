#pragma once
// What the backup/restore commands ask the library for. Plain data; the CLI fills it from flags and
// the configuration (DB_* / WRITE_DB_URL, the stack file's backup repository).
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aaiti::backup {

// Called now and then with (bytes from pg_dump or to pg_restore so far, stored bytes so far).
using ProgressCallback = std::function<void(std::uint64_t raw_bytes, std::uint64_t stored_bytes)>;

// Where the encryption key comes from. Exactly one of key_file / passphrase_file, or no_encrypt.
struct KeySource {
    std::string key_file;         // 32 raw bytes, or 64 hex digits, or base64 of 32 bytes
    std::string passphrase_file;  // text; stretched with argon2id and a per-backup salt
    bool no_encrypt = false;      // only when asked for explicitly
};

struct CreateOptions {
    std::string database_url;
    std::string repository;  // a directory
    KeySource key;
    std::string label;
    int jobs = 2;             // zstd worker threads
    int compression_level = 3;
    std::string pg_bindir;    // where pg_dump/pg_restore live; empty: /usr/lib/postgresql/<v>/bin, then PATH
    ProgressCallback progress;
};

struct RestoreOptions {
    std::string repository;
    KeySource key;
    std::string backup_id;               // one of id / latest / at
    bool latest = false;
    std::optional<std::int64_t> at_unix;  // newest complete backup at or before this time
    std::string database_url;
    bool create = false;   // CREATE DATABASE first
    bool force = false;    // restore into a non-empty database (objects are dropped first)
    std::vector<std::string> tables;
    int jobs = 1;          // > 1: decrypt to a temporary file (when TMPDIR has room), then pg_restore -j
    std::string pg_bindir;
    ProgressCallback progress;
};

struct VerifyOptions {
    std::string repository;
    KeySource key;
    std::vector<std::string> backup_ids;  // empty with all = false: the latest complete backup
    bool all = false;
    bool restore_test = false;            // restore into a scratch database and compare row counts
    std::string database_url;             // the server for --restore-test
    std::string pg_bindir;
};

// The label `aaitictl up`'s backup schedule gives its backups (stack/native/supervisor.cpp).
inline constexpr std::string_view k_scheduled_label = "scheduled";

struct RetentionRules {
    int keep_last = 0;
    int keep_daily = 0;
    int keep_weekly = 0;
    int keep_monthly = 0;
    // Which backups the rules apply to. Empty: unlabelled ones and the schedule's ("scheduled"); a
    // backup with any other label is kept (restic's --keep-tag) until a prune names its label here,
    // which applies the rules to the backups with that label alone.
    std::string label;
    bool any() const { return keep_last + keep_daily + keep_weekly + keep_monthly > 0; }
};

struct PruneOptions {
    std::string repository;
    RetentionRules rules;
    bool dry_run = false;
};


}  // namespace aaiti::backup
