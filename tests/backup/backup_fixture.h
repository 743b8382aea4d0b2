#pragma once
// Shared by the backup e2e tests: running `aaitictl backup|restore` with a clean environment, a
// repository and key in a TempDir, and comparing databases table by table.
#include <map>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace aaiti::test::backup_fixture {

// `aaitictl <args...>` with DB_*, BACKUP_* and LOG_* from the caller's environment removed.
ProcessResult aaitictl(std::vector<std::string> args, std::chrono::milliseconds timeout = std::chrono::milliseconds(180000));

struct Workspace {
    TempDir dir{"backup-e2e"};
    std::string repo = (dir / "repo").string();
    std::string key_file = dir.write_file("backup.key", std::string(64, 'a')).string();  // 64 hex digits
    // ["--repo", repo, "--key-file", key]
    std::vector<std::string> repo_and_key() const { return {"--repo", repo, "--key-file", key_file}; }
};

// Creates tables `accounts` (1000 rows) and `trades` (5000 rows, FK to accounts) in `url`.
void seed_trading_tables(const std::string& url, int accounts = 1000, int trades = 5000);
// Per table in the public schema: row count and an md5 of all rows in a stable order.
std::map<std::string, std::string> table_fingerprints(const std::string& url);
// The id printed in `backup create -o json`.
std::string created_id(const ProcessResult& result);
// Repeated `backup create` output parsing helper for the table form: "backup <id> complete: ..."
std::string id_from_summary(const std::string& out);

}  // namespace aaiti::test::backup_fixture
