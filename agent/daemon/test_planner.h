// The scheduled-test state machine of the daemon: when the next test is due, and what to do
// when it is — skip it (monthly budget), sample the WAN for competing traffic, defer it,
// skip it (traffic persists), or run it. Pure: every call takes "now" and returns a Step;
// the daemon only arms timers, samples counters and starts the runner as a Step says, so
// every rule here is unit-tested with a ManualClock and no sleeps
// (tests/unit/daemon/test_planner_test.cpp).
//
// Sequence for one slot:
//   next(now)                 → kWaitUntil(at) | kNone (no tests scheduled)
//   onDue(now)                → kWaitUntil(next slot) + test_skipped event (budget, once a
//                               month) | kRun (deferral off) | kSampleCrossTraffic
//   onCrossTraffic(now, mbps, wan) → kRun | kWaitUntil(now + retry) + test_deferred event |
//                               kWaitUntil(next slot) + test_skipped event (after
//                               max_deferrals)
//   testDone(started, now, bytes) after every test (scheduled or remote)
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "agent/daemon/test_gate.h"
#include "agent/daemon/test_schedule.h"
#include "common/clock.h"

namespace uplinkprobe::daemon {

struct PlannerRules {
  ScheduleRules schedule;
  GateRules gate;
  double monthly_budget_gb = 0;  // 0 = unlimited
};

struct PlannedEvent {
  std::string name;  // the event record's "event" field
  nlohmann::json fields = nlohmann::json::object();
};

struct Step {
  enum class Action { kNone, kWaitUntil, kSampleCrossTraffic, kRun };
  Action action = Action::kNone;
  WallTime at{};                      // kWaitUntil: call onDue() then
  std::optional<PlannedEvent> event;  // journal this first
};

class TestPlanner {
 public:
  explicit TestPlanner(PlannerRules rules);

  // Rules change on reload; the month's usage, the last test and the deferral count stay.
  void setRules(PlannerRules rules);
  const PlannerRules& rules() const { return rules_; }

  // A test already in the journal (at start): counts its bytes, moves "last test" forward.
  void restoreTest(WallTime ts, uint64_t bytes);

  Step next(WallTime now) const;
  Step onDue(WallTime now);
  // `mbps` < 0: unknown (no counters), which never defers. `wan` is named in the event.
  Step onCrossTraffic(WallTime now, double mbps, const std::string& wan);
  // After any test, scheduled or remote: its bytes count against the month's budget and the
  // next slot keeps min_spacing from its start.
  void testDone(WallTime started, WallTime now, uint64_t bytes);

  bool budgetExhausted(WallTime now) const { return budget_.exhausted(now); }
  uint64_t usedBytes(WallTime now) const { return budget_.usedBytes(now); }
  int deferrals() const { return deferrals_; }
  WallTime lastTest() const { return last_test_; }

 private:
  // The slot counts as used; `why` is journaled (none: a skip already said this month).
  Step skipSlot(WallTime now, std::optional<PlannedEvent> why);

  PlannerRules rules_;
  TestSchedule schedule_;
  MonthlyBudget budget_;
  std::string budget_announced_month_;
  WallTime last_test_{};
  int deferrals_ = 0;
};

}  // namespace uplinkprobe::daemon
