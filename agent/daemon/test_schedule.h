// When the next throughput test runs. Pure logic over an injected "now" (no timers, no
// sleeps), so every rule below is unit-tested.
//
// Rules:
// - Lab mode (interval_s > 0): every interval_s seconds, first one after a short splay.
// - Normal mode: tests_per_day slots spread evenly over the union of the day's windows
//   (school hours matter most), each slot shifted by a per-device, per-day pseudo-random
//   splay of up to ±splay_percent/2 of the slot length, so that ten thousand schools never
//   test in the same minute but one device's times stay reproducible for a given day.
// - Never closer than min_spacing to the previous test; never two at once (the daemon asks
//   for the next time only once the previous test ended).
// Local time uses the process time zone (the daemon sets TZ from [schedule] timezone).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace uplinkprobe::daemon {

struct Window {
  int start_min = 0;  // minutes after local midnight
  int end_min = 0;    // exclusive; ≤ 1440
};

struct ScheduleRules {
  int tests_per_day = 4;
  std::vector<Window> windows;
  std::chrono::seconds interval{0};
  std::chrono::seconds min_spacing{30 * 60};
  int splay_percent = 10;
  std::string device_id;
};

Result<Window> parseWindow(const std::string& text);  // "HH:MM-HH:MM"

class TestSchedule {
 public:
  explicit TestSchedule(ScheduleRules rules);
  // The next test time strictly after `now`, honouring min_spacing after `last_test`
  // (WallTime{} when none yet). Returns WallTime::max() when no test is scheduled
  // (tests_per_day = 0 and no interval).
  WallTime next(WallTime now, WallTime last_test) const;
  // The slot times of the local day containing `day` (for tests and `report`).
  std::vector<WallTime> slotsForDay(WallTime day) const;

 private:
  ScheduleRules rules_;
};

}  // namespace uplinkprobe::daemon
