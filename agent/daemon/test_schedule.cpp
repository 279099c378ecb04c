#include "agent/daemon/test_schedule.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace uplinkprobe::daemon {
namespace {

// Local midnight of the day containing t (process time zone).
WallTime localMidnight(WallTime t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  tm.tm_isdst = -1;
  return std::chrono::system_clock::from_time_t(std::mktime(&tm));
}

// Local wall time of day `midnight` at `minutes` past midnight. Computed via mktime so that
// DST changes land on the right instant.
WallTime atLocalMinute(WallTime midnight, int minutes) {
  std::time_t tt = std::chrono::system_clock::to_time_t(midnight);
  std::tm tm{};
  localtime_r(&tt, &tm);
  tm.tm_hour = minutes / 60;
  tm.tm_min = minutes % 60;
  tm.tm_sec = 0;
  tm.tm_isdst = -1;
  return std::chrono::system_clock::from_time_t(std::mktime(&tm));
}

uint64_t fnv1a(const std::string& s, uint64_t seed) {
  uint64_t h = 1469598103934665603ull ^ seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

Result<Window> parseWindow(const std::string& text) {
  int h1, m1, h2, m2;
  char tail;
  if (std::sscanf(text.c_str(), "%2d:%2d-%2d:%2d%c", &h1, &m1, &h2, &m2, &tail) != 4)
    return makeError(ErrorKind::kConfig, "window \"" + text + "\": expected HH:MM-HH:MM");
  Window w{h1 * 60 + m1, h2 * 60 + m2};
  if (h1 > 23 || m1 > 59 || m2 > 59 || w.end_min > 1440 || w.start_min >= w.end_min)
    return makeError(ErrorKind::kConfig,
                     "window \"" + text + "\": start must be before end, within a day");
  return w;
}

TestSchedule::TestSchedule(ScheduleRules rules) : rules_(std::move(rules)) {
  if (rules_.windows.empty()) rules_.windows.push_back({0, 1440});
  std::sort(rules_.windows.begin(), rules_.windows.end(),
            [](const Window& a, const Window& b) { return a.start_min < b.start_min; });
}

std::vector<WallTime> TestSchedule::slotsForDay(WallTime day) const {
  std::vector<WallTime> out;
  if (rules_.tests_per_day <= 0) return out;
  int total = 0;
  for (const auto& w : rules_.windows) total += w.end_min - w.start_min;
  if (total <= 0) return out;
  const WallTime midnight = localMidnight(day);
  const double slot = static_cast<double>(total) / rules_.tests_per_day;  // minutes
  // Per-device, per-day splay: the day number keeps it from being the same minute every day.
  const auto day_index =
      std::chrono::duration_cast<std::chrono::hours>(midnight.time_since_epoch()).count() / 24;
  for (int i = 0; i < rules_.tests_per_day; ++i) {
    const uint64_t h = fnv1a(rules_.device_id + "#" + std::to_string(i), day_index);
    const double unit = static_cast<double>(h % 10001) / 10000.0 - 0.5;  // [-0.5, 0.5]
    double offset = slot * (i + 0.5) + unit * slot * rules_.splay_percent / 100.0;
    offset = std::clamp(offset, 0.0, total - 1.0 / 60);
    // Map the offset within the concatenated windows back to a minute of the day.
    double remaining = offset;
    for (const auto& w : rules_.windows) {
      const double len = w.end_min - w.start_min;
      if (remaining < len) {
        const double minute = w.start_min + remaining;
        WallTime t = atLocalMinute(midnight, static_cast<int>(minute));
        t += std::chrono::seconds(static_cast<long>((minute - static_cast<int>(minute)) * 60));
        out.push_back(t);
        break;
      }
      remaining -= len;
    }
  }
  return out;
}

WallTime TestSchedule::next(WallTime now, WallTime last_test) const {
  const WallTime earliest =
      last_test == WallTime{} ? now : std::max(now, last_test + rules_.min_spacing);
  if (rules_.interval.count() > 0) {
    if (last_test == WallTime{}) {
      // First lab test soon after start, splayed by device so a rack of probes staggers.
      const auto splay = std::chrono::seconds(
          fnv1a(rules_.device_id, 0) % std::max<int64_t>(1, rules_.interval.count() / 10 + 1));
      return now + std::chrono::seconds(1) + splay;
    }
    return std::max(now, last_test + rules_.interval);
  }
  if (rules_.tests_per_day <= 0) return WallTime::max();
  // Look at today and the following days (bounded: a week) for the first slot after `earliest`.
  WallTime day = now;
  for (int d = 0; d < 8; ++d) {
    for (const auto& slot : slotsForDay(day))
      if (slot > earliest) return slot;
    day = localMidnight(day) + std::chrono::hours(36);  // safely inside the next local day
  }
  return WallTime::max();
}

}  // namespace uplinkprobe::daemon
