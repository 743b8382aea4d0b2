#pragma once
// What backup and restore ask PostgreSQL itself (pqxx stays in database.cpp).
#include <memory>
#include <string>
#include <vector>

#include "backup/manifest.h"

namespace aaiti::backup {

struct ServerFacts {
    std::string version;  // "15.8"
    int major = 0;        // 15
};

// One read-only REPEATABLE READ transaction whose snapshot pg_dump shares (--snapshot), so the row
// counts in the manifest describe exactly the data in the dump.
class SnapshotSession {
public:
    // Throws UnavailableError when the server cannot be reached.
    explicit SnapshotSession(const std::string& conninfo);
    ~SnapshotSession();
    const ServerFacts& server() const;
    const std::string& snapshot_id() const;
    // Every ordinary table outside the system schemas with its exact row count, in the snapshot.
    std::vector<TableRows> count_rows();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

ServerFacts server_facts(const std::string& conninfo);
// Row counts of the ordinary tables of the database `conninfo` names (after a restore).
std::vector<TableRows> count_rows(const std::string& conninfo);
// Tables, views, sequences or functions outside the system schemas.
bool database_has_objects(const std::string& conninfo);
bool database_exists(const std::string& maintenance_conninfo, const std::string& name);
void create_database(const std::string& maintenance_conninfo, const std::string& name);
void drop_database(const std::string& maintenance_conninfo, const std::string& name);

}  // namespace aaiti::backup
