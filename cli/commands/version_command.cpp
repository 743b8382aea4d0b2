#include "commands/version_command.h"

#include <curl/curl.h>
#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <sodium.h>
#include <spdlog/version.h>
#include <sqlite3.h>
#include <zstd.h>

#include <CLI/CLI.hpp>
#include <boost/version.hpp>
#include <iostream>
#include <nlohmann/json.hpp>
#include <pqxx/version.hxx>
#include <utility>
#include <vector>

#include "build_info.h"
#include "table.h"

namespace aaiti::cli {
namespace {

// PQlibVersion() encodes 15.4 as 150004 (and 9.6.24 as 90624 before PostgreSQL 10).
std::string libpq_version() {
    const int v = PQlibVersion();
    if (v >= 100000) return std::to_string(v / 10000) + "." + std::to_string(v % 10000);
    return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
}

std::string boost_version() {
    return std::to_string(BOOST_VERSION / 100000) + "." + std::to_string(BOOST_VERSION / 100 % 1000) + "." +
           std::to_string(BOOST_VERSION % 100);
}

// Run-time versions where the library can tell us (what is actually loaded, which is what a bug report
// needs), compile-time ones for header-only libraries. The names are JSON keys: part of the API.
std::vector<std::pair<std::string, std::string>> library_versions() {
    return {
        {"libpq", libpq_version()},
        {"libpqxx", PQXX_VERSION},
        {"libcurl", curl_version_info(CURLVERSION_NOW)->version},
        {"openssl", OpenSSL_version(OPENSSL_VERSION_STRING)},
        {"libsodium", sodium_version_string()},
        {"sqlite", sqlite3_libversion()},
        {"zstd", ZSTD_versionString()},
        {"boost", boost_version()},
        {"spdlog", std::to_string(SPDLOG_VER_MAJOR) + "." + std::to_string(SPDLOG_VER_MINOR) + "." +
                       std::to_string(SPDLOG_VER_PATCH)},
        {"nlohmann_json", std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
                              std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
                              std::to_string(NLOHMANN_JSON_VERSION_PATCH)},
        {"cli11", CLI11_VERSION},
    };
}

}  // namespace

std::string version_line() {
    return std::string("aaitictl ") + build_info::k_version + " (git " + build_info::k_git_revision + ")";
}

int run_version_command(const GlobalOptions& options) {
    const auto libraries = library_versions();
    if (options.output == OutputFormat::json) {
        nlohmann::ordered_json libs = nlohmann::ordered_json::object();
        for (const auto& [name, version] : libraries) libs[name] = version;
        const nlohmann::ordered_json doc = {
            {"version", build_info::k_version},
            {"git_revision", build_info::k_git_revision},
            {"libraries", libs},
        };
        std::cout << doc.dump(2) << '\n';
        return 0;
    }

    Table table;
    table.rows.push_back({"aaitictl", build_info::k_version});
    table.rows.push_back({"git revision", build_info::k_git_revision});
    for (const auto& [name, version] : libraries) table.rows.push_back({name, version});
    print_table(std::cout, table, false);
    return 0;
}

namespace {

class VersionCommand final : public Command {
public:
    void add_to(CLI::App& parent) override {
        command_ = parent.add_subcommand("version", "Print the version, git revision and library versions");
        command_->footer(k_global_options_footer);
    }
    bool chosen() const override { return command_->parsed(); }
    int run(const GlobalOptions& globals) override { return run_version_command(globals); }

private:
    CLI::App* command_ = nullptr;
};

}  // namespace

std::unique_ptr<Command> make_version_command() { return std::make_unique<VersionCommand>(); }

}  // namespace aaiti::cli
