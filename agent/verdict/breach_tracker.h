// Throughput breach hysteresis. Pure: fed the counted throughput results in journal order,
// no clock, no I/O.
//
//   closed --(breach_after of the last breach_window counted results are below target)--> open
//   open   --(clear_after consecutive counted results meet the target)-------------------> closed
//
// Only counted results are fed (verdict.counted == true): results the carrier could rightly
// dispute (cross traffic, client_limited, errors) never move the state. One bad result
// cannot open a breach unless breach_after == 1, and one bad result while open resets the
// clearing streak, so a breach neither opens nor closes on a single outlier.
//
// Memory is bounded: the window holds at most breach_window results (clamped to
// [1, kMaxBreachWindow]), the clearing streak at most clear_after ids.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace uplinkprobe::verdict {

inline constexpr int kMaxBreachWindow = 1000;

struct BreachRules {
  int breach_after = 3;
  int breach_window = 5;
  int clear_after = 3;
};

struct CountedResult {
  std::string id;  // record id "{device}:{seq}"
  bool good = false;
  double measured_mbps = 0;
};

struct BreachTransition {
  bool opened = false;  // true: breach_opened, false: breach_closed
  // opened: the below-target results of the window; closed: the good streak.
  std::vector<CountedResult> evidence;
};

class BreachTracker {
 public:
  explicit BreachTracker(BreachRules rules);

  // Feeds one counted result; returns the transition it causes, if any.
  std::optional<BreachTransition> onResult(const CountedResult& r);

  bool isOpen() const { return open_; }
  // The last breach_window counted results, oldest first.
  const std::deque<CountedResult>& window() const { return window_; }
  int badInWindow() const;
  int goodStreak() const { return static_cast<int>(streak_.size()); }
  const BreachRules& rules() const { return rules_; }

 private:
  BreachRules rules_;
  bool open_ = false;
  std::deque<CountedResult> window_;
  std::vector<CountedResult> streak_;
};

}  // namespace uplinkprobe::verdict
