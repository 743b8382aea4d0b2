#pragma once
// Typed errors and the exit codes they map to (documented in man/aaitictl.1).
// Libraries throw these; only cli/main.cpp and the service mains catch them.
#include <stdexcept>
#include <string>

namespace aaiti {

namespace exit_code {
inline constexpr int k_ok = 0;
inline constexpr int k_failed = 1;        // the operation ran and failed (verification mismatch, restore refused)
inline constexpr int k_usage = 64;        // EX_USAGE: bad flags or arguments
inline constexpr int k_data = 65;         // EX_DATAERR: bad input data
inline constexpr int k_unavailable = 69;  // EX_UNAVAILABLE: a service is unreachable
inline constexpr int k_io = 74;           // EX_IOERR: reading or writing a file failed
inline constexpr int k_config = 78;       // EX_CONFIG: bad configuration
}  // namespace exit_code

// Base of every error we throw on purpose. The message names the thing and the fix,
// and never contains a secret (callers mask URLs with mask_secrets_in_url first).
class Error : public std::runtime_error {
public:
    Error(const std::string& message, int exit_code) : std::runtime_error(message), exit_code_(exit_code) {}
    int exit_code() const noexcept { return exit_code_; }

private:
    int exit_code_;
};

// The operation ran to its end and its result is a failure (e.g. a verification mismatch).
class OperationFailed : public Error {
public:
    explicit OperationFailed(const std::string& m) : Error(m, exit_code::k_failed) {}
};
class UsageError : public Error {
public:
    explicit UsageError(const std::string& m) : Error(m, exit_code::k_usage) {}
};
class DataError : public Error {
public:
    explicit DataError(const std::string& m) : Error(m, exit_code::k_data) {}
};
class UnavailableError : public Error {
public:
    explicit UnavailableError(const std::string& m) : Error(m, exit_code::k_unavailable) {}
};
class IoError : public Error {
public:
    explicit IoError(const std::string& m) : Error(m, exit_code::k_io) {}
};
class ConfigError : public Error {
public:
    explicit ConfigError(const std::string& m) : Error(m, exit_code::k_config) {}
};

}  // namespace aaiti
