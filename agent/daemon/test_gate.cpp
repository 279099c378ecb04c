#include "agent/daemon/test_gate.h"

#include <ctime>

namespace uplinkprobe::daemon {

std::string MonthlyBudget::monthKey(WallTime t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m", &tm);
  return buf;
}

void MonthlyBudget::add(WallTime when, uint64_t bytes) {
  const std::string key = monthKey(when);
  if (key < month_) return;  // an older month's record (replayed from the journal)
  if (key != month_) {
    month_ = key;
    used_ = 0;
  }
  used_ += bytes;
}

uint64_t MonthlyBudget::usedBytes(WallTime now) const {
  return monthKey(now) == month_ ? used_ : 0;
}

bool MonthlyBudget::exhausted(WallTime now) const {
  return budget_bytes_ > 0 && static_cast<double>(usedBytes(now)) >= budget_bytes_;
}

GateDecision decideTest(const GateRules& rules, bool budget_exhausted, double cross_traffic_mbps,
                        int deferrals_so_far) {
  if (budget_exhausted) return GateDecision::kSkipBudget;
  if (rules.defer_if_cross_traffic_mbps > 0 &&
      cross_traffic_mbps > rules.defer_if_cross_traffic_mbps) {
    return deferrals_so_far < rules.max_deferrals ? GateDecision::kDefer
                                                  : GateDecision::kSkipCrossTraffic;
  }
  return GateDecision::kRun;
}

const char* toString(GateDecision d) {
  switch (d) {
    case GateDecision::kRun:
      return "run";
    case GateDecision::kDefer:
      return "deferred";
    case GateDecision::kSkipCrossTraffic:
      return "skipped_cross_traffic";
    case GateDecision::kSkipBudget:
      return "skipped_budget";
  }
  return "?";
}

}  // namespace uplinkprobe::daemon
