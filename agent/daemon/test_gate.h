// Whether a scheduled throughput test may run now. Pure decisions, unit-tested:
//
// - Monthly data budget: tests stop once the calendar month's (local time) test bytes reach
//   monthly_budget_gb; this is said once per month in an event record, never silently.
//   The month's usage is rebuilt from the journal at start (no side file to disagree).
// - Competing traffic: a test measured while the school's own traffic fills the WAN is unfair
//   to the carrier and disturbs the school, so while the WAN carries more than
//   defer_if_cross_traffic_mbps the test is deferred (retry after retry_delay), at most
//   max_deferrals times; then it is recorded as skipped and the next slot is awaited.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/clock.h"

namespace uplinkprobe::daemon {

class MonthlyBudget {
 public:
  explicit MonthlyBudget(double budget_gb) : budget_bytes_(budget_gb * 1e9) {}
  void setBudgetGb(double budget_gb) { budget_bytes_ = budget_gb * 1e9; }  // on reload
  void add(WallTime when, uint64_t bytes);
  uint64_t usedBytes(WallTime now) const;   // this local month's usage
  bool exhausted(WallTime now) const;       // false when the budget is 0 (unlimited)
  static std::string monthKey(WallTime t);  // "2026-11" in local time

 private:
  double budget_bytes_;
  std::string month_;
  uint64_t used_ = 0;
};

enum class GateDecision { kRun, kDefer, kSkipCrossTraffic, kSkipBudget };

struct GateRules {
  double defer_if_cross_traffic_mbps = 10;  // 0 = never defer
  int max_deferrals = 6;
  std::chrono::seconds retry_delay{300};
};

// `cross_traffic_mbps`: WAN traffic measured just before the test (the agent is idle then, so
// all of it is someone else's); negative = unknown (no counters), which never defers.
GateDecision decideTest(const GateRules& rules, bool budget_exhausted, double cross_traffic_mbps,
                        int deferrals_so_far);
const char* toString(GateDecision d);

}  // namespace uplinkprobe::daemon
