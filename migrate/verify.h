#pragma once
// --verify: compares the source and the target key-agnostically. Per table: the row count, and an
// order-independent checksum of every non-key column (and of whole rows) after normalisation (numbers by
// value, timestamps in UTC, JSON canonical). Per foreign key: the multiset of joined (child, parent)
// non-key values, which proves every reference still reaches the same parent whatever the keys became.
// The source side goes through the same conversion as the load (see row_converter.h): rows rejected by
// policy and orphans set NULL are expected to be absent.
#include "migrate/loader.h"
#include "migrate/plan.h"
#include "migrate/report.h"

namespace aaiti::migrate {

// Runs the checks -j at a time.
VerifyReport verify_migration(const MigrationPlan& plan, const LoadTarget& target, int jobs);

}  // namespace aaiti::migrate
