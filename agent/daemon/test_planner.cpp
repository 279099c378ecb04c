#include "agent/daemon/test_planner.h"

namespace uplinkprobe::daemon {

TestPlanner::TestPlanner(PlannerRules rules)
    : rules_(std::move(rules)), schedule_(rules_.schedule), budget_(rules_.monthly_budget_gb) {}

void TestPlanner::setRules(PlannerRules rules) {
  rules_ = std::move(rules);
  schedule_ = TestSchedule(rules_.schedule);
  budget_.setBudgetGb(rules_.monthly_budget_gb);
  // A raised budget may be used up again later this month: say so again when it is.
  budget_announced_month_.clear();
}

void TestPlanner::restoreTest(WallTime ts, uint64_t bytes) {
  budget_.add(ts, bytes);
  if (ts > last_test_) last_test_ = ts;
}

Step TestPlanner::next(WallTime now) const {
  const WallTime at = schedule_.next(now, last_test_);
  if (at == WallTime::max()) return {};
  Step s;
  s.action = Step::Action::kWaitUntil;
  s.at = at;
  return s;
}

Step TestPlanner::skipSlot(WallTime now, std::optional<PlannedEvent> why) {
  // The slot counts as used: the next one keeps min_spacing from now, so a skipped slot is
  // never retried in a tight loop.
  last_test_ = now;
  deferrals_ = 0;
  Step s = next(now);
  s.event = std::move(why);
  return s;
}

Step TestPlanner::onDue(WallTime now) {
  if (budget_.exhausted(now)) {
    const std::string month = MonthlyBudget::monthKey(now);
    std::optional<PlannedEvent> why;
    if (budget_announced_month_ != month) {  // said once a month, never silently
      budget_announced_month_ = month;
      why = PlannedEvent{"test_skipped",
                         {{"reason", "monthly_budget_exhausted"},
                          {"used_bytes", budget_.usedBytes(now)},
                          {"budget_gb", rules_.monthly_budget_gb}}};
    }
    return skipSlot(now, std::move(why));
  }
  Step s;
  // Deferral disabled: no reason to spend two seconds sampling.
  s.action = rules_.gate.defer_if_cross_traffic_mbps <= 0 ? Step::Action::kRun
                                                          : Step::Action::kSampleCrossTraffic;
  return s;
}

Step TestPlanner::onCrossTraffic(WallTime now, double mbps, const std::string& wan) {
  switch (decideTest(rules_.gate, budget_.exhausted(now), mbps, deferrals_)) {
    case GateDecision::kDefer: {
      ++deferrals_;
      Step s;
      s.action = Step::Action::kWaitUntil;
      s.at = now + rules_.gate.retry_delay;
      s.event = PlannedEvent{"test_deferred",
                             {{"reason", "cross_traffic"},
                              {"cross_traffic_mbps", mbps},
                              {"wan_interface", wan},
                              {"attempt", deferrals_},
                              {"retry_in_s", rules_.gate.retry_delay.count()}}};
      return s;
    }
    case GateDecision::kSkipCrossTraffic:
      return skipSlot(now, PlannedEvent{"test_skipped",
                                        {{"reason", "cross_traffic"},
                                         {"cross_traffic_mbps", mbps},
                                         {"attempts", deferrals_ + 1}}});
    case GateDecision::kSkipBudget:  // the budget ran out while we sampled (a remote test)
      return onDue(now);
    case GateDecision::kRun:
      break;
  }
  deferrals_ = 0;
  Step s;
  s.action = Step::Action::kRun;
  return s;
}

void TestPlanner::testDone(WallTime started, WallTime now, uint64_t bytes) {
  last_test_ = started;
  deferrals_ = 0;
  budget_.add(now, bytes);
}

}  // namespace uplinkprobe::daemon
