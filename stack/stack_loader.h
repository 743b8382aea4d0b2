#pragma once
// Reads aaiti.yaml into a Stack: every key is optional (missing ones keep the seed's defaults), every
// present one is checked, and a bad one is a ConfigError (exit 78) naming the file, line and key:
//   aaiti.yaml:12: services.auth.replicas: expected an integer from 1 to 16, got "two"
// The flat configuration keys of common/config.h live in the same file (database.host, auth.jwt_secret,
// ...); the loader reads those it needs (database.name/user/port, backup.repository, alerts.*) from the same
// paths and ignores the rest, so both readers agree on one file.
#include <string>

#include "stack/stack_model.h"

namespace aaiti::stack {

// Throws ConfigError when the file is missing, not YAML, or has a bad value.
Stack load_stack_file(const std::string& path);

// The same from text; `file_name` is used in messages, `base_dir` resolves relative paths.
Stack load_stack_text(const std::string& text, const std::string& file_name, const std::string& base_dir);

}  // namespace aaiti::stack
