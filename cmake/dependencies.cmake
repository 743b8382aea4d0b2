# Every dependency is a Debian bookworm package (scripts/install-deps.sh); nothing is downloaded.
# The lines below follow shared/DEBIAN-DEPS.md, which records the traps each one has.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(CLI11 2.1 CONFIG REQUIRED)                  # CLI11::CLI11
find_package(nlohmann_json 3.11 CONFIG REQUIRED)         # nlohmann_json::nlohmann_json
find_package(SQLiteCpp 3.2 CONFIG REQUIRED)              # SQLiteCpp
find_package(spdlog 1.10 CONFIG REQUIRED)                # spdlog::spdlog (+ fmt::fmt)
find_package(yaml-cpp 0.7 CONFIG REQUIRED)               # yaml-cpp
find_package(zstd 1.5 CONFIG REQUIRED)                   # zstd::libzstd_shared
find_package(Boost 1.74 REQUIRED COMPONENTS filesystem)  # Boost::headers, Boost::filesystem
find_package(CURL 7.88 REQUIRED)                         # CURL::libcurl
find_package(OpenSSL 3 REQUIRED)                         # OpenSSL::Crypto, OpenSSL::SSL
find_package(PostgreSQL 15 REQUIRED)                     # PostgreSQL::PostgreSQL (raw libpq)
pkg_check_modules(PQXX    REQUIRED IMPORTED_TARGET libpqxx>=6.4)
pkg_check_modules(SODIUM  REQUIRED IMPORTED_TARGET libsodium>=1.0.18)
pkg_check_modules(XCRYPT  REQUIRED IMPORTED_TARGET libxcrypt)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis>=0.14)
find_path(MUSTACHE_INCLUDE_DIR kainjow/mustache.hpp REQUIRED)
# Debian's pqxx config header lacks PQXX_HAVE_OPTIONAL: without it std::optional reads of NULL abort.
set_property(TARGET PkgConfig::PQXX APPEND PROPERTY INTERFACE_COMPILE_DEFINITIONS PQXX_HAVE_OPTIONAL=1)

if(AAITI_BUILD_TESTS)
  find_package(Catch2 2.13 CONFIG REQUIRED)              # Catch2::Catch2, Catch2::Catch2WithMain

endif()
