#pragma once
// Finding the programs a native stack runs: our binaries beside aaitictl (installed) or in the build
// tree (cli/aaitictl -> services/<name>/aaiti-<name>), the Debian packages' programs where Debian puts them.
#include <string>

#include "stack/native/native_plan.h"

namespace aaiti::stack::native {

// `self_exe` is aaitictl's own path (/proc/self/exe). Programs not found are left empty; the PostgreSQL
// user is "postgres" (made by Debian's postgresql-15 package) when we run as root, else empty.
Toolchain find_toolchain(const std::string& self_exe);

// Every program the plan runs exists and is executable; else UnavailableError naming it and how to get it:
// "up: haproxy is not installed (apt-get install haproxy); the production profile runs it".
void require_programs(const NativePlan& plan, const Toolchain& tools);

}  // namespace aaiti::stack::native
