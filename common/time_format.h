// Time on the wire and on screen.
// - Every timestamp in a record (journal, MQTT, `--json`) is RFC 3339 in UTC with "Z"
//   ("2026-12-02T01:53:27.123Z"): producers call formatRfc3339Utc, never the local form.
// - People see local time WITH its zone ("2026-12-02 09:53:27 +08:00"): `records`, `report`,
//   the commissioning receipt and log lines use formatLocalDisplay/displayLocal after
//   useTimeZone([schedule] timezone) — the configured zone, else the system's.
#pragma once

#include <optional>
#include <string>

#include "common/clock.h"

namespace uplinkprobe {

// Formats in the process's local time zone (TZ / /etc/localtime) with its offset. Not for
// records (they are UTC): for files and screens that want RFC 3339.
std::string formatRfc3339Local(WallTime t);
// Formats in UTC with a "Z" suffix: the only form records carry.
std::string formatRfc3339Utc(WallTime t);
// "2026-12-02 09:53:27 +08:00": local time of the process's zone, seconds, with the offset.
std::string formatLocalDisplay(WallTime t);
// An RFC 3339 text from a record shown as formatLocalDisplay; unparsable text is returned as is.
std::string displayLocal(const std::string& rfc3339);
// The process's zone becomes `tz` (an IANA name such as "Asia/Shanghai"); "" keeps the
// system's. Affects localtime_r for the whole process: call once, early, on the main thread.
void useTimeZone(const std::string& tz);
// Parses "YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)" with a year from 1970 to 2200 and a date
// that exists. Returns nullopt on anything else.
std::optional<WallTime> parseRfc3339(const std::string& s);
// Seconds as a double, for durations in records.
double toSeconds(std::chrono::nanoseconds d);

}  // namespace uplinkprobe
