// Which store aaiti-auth opens, from the seed's configuration keys.
#include <catch2/catch.hpp>

#include "common/config.h"
#include "common/error.h"
#include "services/auth/settings.h"

namespace aaiti::test {
namespace {

auth::StorageSettings storage_from(std::map<std::string, std::string> environment) {
    ConfigLoadOptions options;  // tests run in the build directory, which has no aaiti.yaml
    options.environment = std::move(environment);
    return auth::storage_settings_from_config(Config::load(options));
}

}  // namespace

TEST_CASE("auth storage: SQLite by default, PostgreSQL with WRITE_DB_URL or an explicit DB_HOST") {
    CHECK(storage_from({}).kind == auth::StorageSettings::Kind::sqlite);

    const auto by_url = storage_from({{"WRITE_DB_URL", "postgresql://a@127.0.0.1:5432/x"}});
    CHECK(by_url.kind == auth::StorageSettings::Kind::postgres);
    CHECK(by_url.read_url == by_url.write_url);

    // What the generated docker-compose file gives the auth containers.
    const auto by_host = storage_from({{"DB_HOST", "postgres-primary"}, {"DB_NAME", "aaiti"}, {"DB_USER", "aaiti"}, {"DB_PASSWORD", "pw"}});
    CHECK(by_host.kind == auth::StorageSettings::Kind::postgres);
    CHECK(by_host.write_url == "postgresql://aaiti:pw@postgres-primary:5432/aaiti");
}

TEST_CASE("auth hashing pool: one core but one by default, at least one; AUTH_HASH_CONCURRENCY and AUTH_HASH_QUEUE set it") {
    CHECK(auth::default_hash_concurrency(0) == 1);  // hardware_concurrency() may not know
    CHECK(auth::default_hash_concurrency(1) == 1);
    CHECK(auth::default_hash_concurrency(2) == 1);  // a 2-core box: one core hashes, one serves everything else
    CHECK(auth::default_hash_concurrency(8) == 7);

    auto settings = [](std::map<std::string, std::string> environment) {
        environment["JWT_SECRET"] = "a-test-secret-that-is-long-enough-0123456789";
        ConfigLoadOptions options;
        options.environment = std::move(environment);
        return auth::auth_settings_from_config(Config::load(options));
    };
    const auto defaults = settings({});
    CHECK(defaults.hash_concurrency >= 1);
    CHECK(defaults.hash_queue == 32);
    const auto set = settings({{"AUTH_HASH_CONCURRENCY", "3"}, {"AUTH_HASH_QUEUE", "0"}});
    CHECK(set.hash_concurrency == 3);
    CHECK(set.hash_queue == 0);
    CHECK_THROWS_AS(settings({{"AUTH_HASH_QUEUE", "-1"}}), ConfigError);
}

}  // namespace aaiti::test
