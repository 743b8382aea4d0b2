#include "healthcheck/alert_message.h"

#include "common/time_text.h"
#include "healthcheck/time_text.h"

namespace aaiti::health {

std::string alert_text(const AlertEvent& e) {
    switch (e.kind) {
    case AlertKind::failure:
        return "[aaiti] " + e.target + " is DOWN: " + e.cause + ", since " + format_utc(e.since);
    case AlertKind::reminder:
        return "[aaiti] " + e.target + " is still DOWN after " + format_span(e.at - e.since) + ": " + e.cause + ", since " +
               format_utc(e.since);
    case AlertKind::recovery:
        return "[aaiti] " + e.target + " RECOVERED after " + format_span(e.downtime) + " of downtime (down since " +
               format_utc(e.since) + ")";
    }
    return {};
}

std::string alert_subject(const AlertEvent& e) {
    switch (e.kind) {
    case AlertKind::failure: return "[aaiti] DOWN: " + e.target;
    case AlertKind::reminder: return "[aaiti] still DOWN: " + e.target;
    case AlertKind::recovery: return "[aaiti] RECOVERED: " + e.target;
    }
    return {};
}

}  // namespace aaiti::health
