// RFC 3339 timestamps with the local UTC offset ("2026-11-28T12:10:00.123+08:00"): records
// state the wall time the school experienced, and the offset makes it unambiguous.
#pragma once

#include <optional>
#include <string>

#include "common/clock.h"

namespace uplinkprobe {

// Formats in the process's local time zone (TZ / /etc/localtime) with its offset.
std::string formatRfc3339Local(WallTime t);
// Formats in UTC with a "Z" suffix.
std::string formatRfc3339Utc(WallTime t);
// Parses "YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)". Returns nullopt on anything else.
std::optional<WallTime> parseRfc3339(const std::string& s);
// Seconds as a double, for durations in records.
double toSeconds(std::chrono::nanoseconds d);

}  // namespace uplinkprobe
