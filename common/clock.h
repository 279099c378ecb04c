// Clock: the only way logic reads time, so that state machines (early stop, outage
// detection, alert hysteresis, schedule splay) are tested with ManualClock, never sleeps.
//
// Thread-safety: SystemClock is safe from any thread. ManualClock is for single-threaded
// tests; advance() is not synchronised with readers on other threads.
#pragma once

#include <chrono>

namespace uplinkprobe {

using SteadyTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time: durations, deadlines, sampling bins.
  virtual SteadyTime steadyNow() const = 0;
  // Wall time: record timestamps only; may jump (NTP), may be 1970 on a router without RTC.
  virtual WallTime wallNow() const = 0;
};

class SystemClock final : public Clock {
 public:
  SteadyTime steadyNow() const override { return std::chrono::steady_clock::now(); }
  WallTime wallNow() const override { return std::chrono::system_clock::now(); }
  static const SystemClock& instance() {
    static SystemClock clock;
    return clock;
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(WallTime wall_start = WallTime{} + std::chrono::hours(24 * 365 * 56))
      : steady_(SteadyTime{} + std::chrono::hours(1)), wall_(wall_start) {}
  SteadyTime steadyNow() const override { return steady_; }
  WallTime wallNow() const override { return wall_; }
  template <typename D>
  void advance(D d) {
    steady_ += std::chrono::duration_cast<SteadyTime::duration>(d);
    wall_ += std::chrono::duration_cast<WallTime::duration>(d);
  }
  void setWall(WallTime w) { wall_ = w; }

 private:
  SteadyTime steady_;
  WallTime wall_;
};

}  // namespace uplinkprobe
