// Local time of the ledger (schools' wall clock) for stored records: minute of the week and
// calendar date in the ledger's time zone, and the school-hours windows.
//
// School hours are written "Mon-Fri 08:00-17:00" (days: Mon Tue Wed Thu Fri Sat Sun, a single
// day or a range; times HH:MM-HH:MM, end up to 24:00). They become minute-of-week intervals,
// so a query filters them as plain integer ranges on the stored `local_mow` column.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace uplinkprobe::collector {

struct LocalStamp {
  int minute_of_week = 0;  // Monday 00:00 = 0 … Sunday 23:59 = 10079
  std::string date;        // "YYYY-MM-DD"
};

// Converts a UTC instant (ms since the epoch) to the ledger's local time.
using LocalClock = std::function<LocalStamp(int64_t utc_ms)>;

// The process time zone (localtime_r; the collector sets TZ from [ledger] timezone once at
// start, before any thread exists).
LocalStamp processLocalStamp(int64_t utc_ms);
// A fixed UTC offset (China has had no DST since 1991: Asia/Shanghai = +480); for tests.
LocalClock fixedOffsetClock(int offset_minutes);

class SchoolHours {
 public:
  // Parses windows such as {"Mon-Fri 08:00-17:00", "Sat 08:00-12:00"}. The error message
  // names the bad entry.
  static Result<SchoolHours> parse(const std::vector<std::string>& windows);
  // Every minute of the week (no filter).
  static SchoolHours always();

  bool contains(int minute_of_week) const;
  // Half-open [from, to) minute-of-week intervals, sorted and merged.
  const std::vector<std::pair<int, int>>& intervals() const { return intervals_; }

 private:
  std::vector<std::pair<int, int>> intervals_;
};

// Checks one window; "" when fine (used by the config schema).
std::string checkSchoolHoursWindow(const std::string& window);

}  // namespace uplinkprobe::collector
