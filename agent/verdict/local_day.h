// Local calendar days in the process's time zone (the daemon sets TZ from
// [schedule] timezone). A day is [00:00 local, next 00:00 local): 23 or 25 hours long on
// DST change days, which mktime() handles.
#pragma once

#include <optional>
#include <string>

#include "common/clock.h"

namespace uplinkprobe::verdict {

struct LocalDay {
  std::string date;  // "YYYY-MM-DD"
  WallTime start;    // local midnight
  WallTime end;      // the next local midnight
};

// The local day containing t.
LocalDay localDayOf(WallTime t);
// The day "YYYY-MM-DD"; nullopt for anything else.
std::optional<LocalDay> localDayFromDate(const std::string& date);
// The day before / after d.
LocalDay previousDay(const LocalDay& d);
LocalDay nextDay(const LocalDay& d);

}  // namespace uplinkprobe::verdict
