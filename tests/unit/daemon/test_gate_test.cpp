#include "agent/daemon/test_gate.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace uplinkprobe::daemon {
namespace {

WallTime utc(int64_t epoch_s) { return WallTime{} + std::chrono::seconds(epoch_s); }

TEST(MonthlyBudget, CountsPerLocalMonthAndResets) {
  setenv("TZ", "Asia/Shanghai", 1);
  tzset();
  MonthlyBudget b(1.0);                    // 1 GB
  const WallTime nov30 = utc(1796054400);  // 2026-11-30T16:00Z = 2026-12-01 00:00 +08:00
  const WallTime nov29 = nov30 - std::chrono::hours(24);
  b.add(nov29, 600'000'000);
  EXPECT_FALSE(b.exhausted(nov29));
  b.add(nov29, 400'000'000);
  EXPECT_TRUE(b.exhausted(nov29));
  // Local December starts at 16:00 UTC on Nov 30: a new budget.
  EXPECT_FALSE(b.exhausted(nov30));
  EXPECT_EQ(b.usedBytes(nov30), 0u);
  b.add(nov30, 10);
  b.add(nov29, 999);  // late replay of an older month never counts against December
  EXPECT_EQ(b.usedBytes(nov30), 10u);
  unsetenv("TZ");
  tzset();
}

TEST(MonthlyBudget, ZeroMeansUnlimited) {
  MonthlyBudget b(0);
  b.add(utc(1796054400), 1ull << 50);
  EXPECT_FALSE(b.exhausted(utc(1796054400)));
}

TEST(TestGate, DefersOnCrossTrafficThenSkips) {
  GateRules r;
  r.defer_if_cross_traffic_mbps = 10;
  r.max_deferrals = 2;
  EXPECT_EQ(decideTest(r, false, 3, 0), GateDecision::kRun);
  EXPECT_EQ(decideTest(r, false, 30, 0), GateDecision::kDefer);
  EXPECT_EQ(decideTest(r, false, 30, 1), GateDecision::kDefer);
  EXPECT_EQ(decideTest(r, false, 30, 2), GateDecision::kSkipCrossTraffic);
  EXPECT_EQ(decideTest(r, false, -1, 5), GateDecision::kRun);  // unknown never blocks
  EXPECT_EQ(decideTest(r, true, 0, 0), GateDecision::kSkipBudget);
  r.defer_if_cross_traffic_mbps = 0;
  EXPECT_EQ(decideTest(r, false, 500, 0), GateDecision::kRun);
}

}  // namespace
}  // namespace uplinkprobe::daemon
