#include "agent/verdict/local_day.h"

#include <cstdio>
#include <ctime>

namespace uplinkprobe::verdict {
namespace {

WallTime midnight(int year, int mon0, int mday) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon0;
  tm.tm_mday = mday;  // mktime normalises day overflow (the 32nd -> the 1st of next month)
  tm.tm_isdst = -1;
  return std::chrono::system_clock::from_time_t(std::mktime(&tm));
}

LocalDay dayFromFields(int year, int mon0, int mday) {
  LocalDay d;
  d.start = midnight(year, mon0, mday);
  d.end = midnight(year, mon0, mday + 1);
  const std::time_t s = std::chrono::system_clock::to_time_t(d.start);
  std::tm tm{};
  localtime_r(&s, &tm);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  d.date = buf;
  return d;
}

}  // namespace

LocalDay localDayOf(WallTime t) {
  const std::time_t s = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&s, &tm);
  LocalDay d = dayFromFields(tm.tm_year + 1900, tm.tm_mon, tm.tm_mday);
  // to_time_t truncates sub-seconds towards the epoch; keep the invariant start <= t < end.
  if (t < d.start) return previousDay(d);
  if (t >= d.end) return nextDay(d);
  return d;
}

std::optional<LocalDay> localDayFromDate(const std::string& date) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (date.size() != 10 || std::sscanf(date.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
    return std::nullopt;
  if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  LocalDay day = dayFromFields(y, m - 1, d);
  if (day.date != date) return std::nullopt;  // e.g. 2023-02-30
  return day;
}

LocalDay previousDay(const LocalDay& d) {
  // Noon of the previous day is always inside it, DST or not.
  return localDayOf(d.start - std::chrono::hours(12));
}

LocalDay nextDay(const LocalDay& d) { return localDayOf(d.end + std::chrono::hours(12)); }

}  // namespace uplinkprobe::verdict
