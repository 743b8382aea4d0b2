#pragma once
// What makes a run the same run: the source it reads (path, size, schema, SQLite's change counter) and
// the options that shape the result (keys, policies, capture). --resume and --incremental refuse to
// continue a run when either differs, naming what changed.
#include <string>

#include "migrate/options.h"
#include "migrate/source_schema.h"

namespace aaiti::migrate {

// "path=...;size=...;schema=<sha256 of every table's SQL>;counter=<header change counter>"
std::string source_fingerprint(const std::string& path, const SourceSchema& schema);
// "keys=uuid;legacy_ids=0;on_bad_value=text;on_orphan=null;capture=0" (schema: the state lives in it).
std::string options_signature(const MigrateOptions& options);

// "" when they agree; else what differs ("size 1024 -> 2048, schema"). With `data_may_change` (a capture
// run: the app keeps writing, the triggers record it) only the path and the schema must agree.
std::string fingerprint_difference(const std::string& recorded, const std::string& now, bool data_may_change);
// "" when they agree; else "--keys uuid (now keep), ..." naming the flags the run was started with.
std::string options_difference(const std::string& recorded, const std::string& now);

}  // namespace aaiti::migrate
