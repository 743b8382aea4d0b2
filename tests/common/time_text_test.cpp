#include <catch2/catch.hpp>

#include "common/time_text.h"

using aaiti::format_utc;

TEST_CASE("format_utc prints UTC with whole seconds and a literal Z") {
    CHECK(format_utc(0) == "1970-01-01T00:00:00Z");
    CHECK(format_utc(1795656645) == "2026-11-26T01:30:45Z");
    // Leap day, end of a day: no zone offset, no fraction, zero-padded fields.
    CHECK(format_utc(1709251199) == "2024-02-29T23:59:59Z");
}
