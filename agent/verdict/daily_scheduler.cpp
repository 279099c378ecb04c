#include "agent/verdict/daily_scheduler.h"

#include <algorithm>

namespace uplinkprobe::verdict {

std::vector<LocalDay> daysDue(const std::optional<std::string>& last_daily_date,
                              std::optional<WallTime> first_record, WallTime now, int max_days) {
  std::vector<LocalDay> due;
  if (!first_record || max_days <= 0) return due;
  const LocalDay today = localDayOf(now);
  const LocalDay first = localDayOf(*first_record);
  std::optional<LocalDay> last;
  if (last_daily_date) last = localDayFromDate(*last_daily_date);
  // Walk back from yesterday: bounded by max_days, so a clock far in the future (or a
  // first record in 1970) cannot make this loop long.
  for (LocalDay d = previousDay(today); static_cast<int>(due.size()) < max_days;
       d = previousDay(d)) {
    if (d.start < first.start) break;
    if (last && d.start <= last->start) break;
    due.push_back(d);
  }
  std::reverse(due.begin(), due.end());
  return due;
}

WallTime nextDailyCheck(WallTime now) { return localDayOf(now).end; }

}  // namespace uplinkprobe::verdict
