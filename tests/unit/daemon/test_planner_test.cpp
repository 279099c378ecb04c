// The daemon's scheduled-test state machine, driven by a ManualClock: every path of a slot
// (due, budget, cross-traffic sample, deferral, skip, run, remote test) without a timer.
#include "agent/daemon/test_planner.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace uplinkprobe::daemon {
namespace {

using namespace std::chrono_literals;
using Action = Step::Action;

// Lab schedule: a test every 10 min, deferral above 10 Mbps, 2 deferrals, retry after 60 s.
PlannerRules labRules(double budget_gb = 0) {
  PlannerRules r;
  r.schedule.interval = 600s;
  r.schedule.min_spacing = 0s;
  r.schedule.device_id = "dev-1";
  r.gate.defer_if_cross_traffic_mbps = 10;
  r.gate.max_deferrals = 2;
  r.gate.retry_delay = 60s;
  r.monthly_budget_gb = budget_gb;
  return r;
}

class TestPlannerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
  }
  void TearDown() override {
    unsetenv("TZ");
    tzset();
  }
  // 2026-12-10T02:00Z = 10:00 in Shanghai, mid-month.
  ManualClock clock{WallTime{} + std::chrono::seconds(1796868000)};
};

TEST_F(TestPlannerTest, NoTestsPerDayAndNoIntervalPlansNothing) {
  PlannerRules r;
  r.schedule.tests_per_day = 0;
  TestPlanner p(r);
  EXPECT_EQ(p.next(clock.wallNow()).action, Action::kNone);
}

TEST_F(TestPlannerTest, AQuietWanRunsTheTestAndTheNextSlotFollowsItsStart) {
  TestPlanner p(labRules());
  const Step first = p.next(clock.wallNow());
  ASSERT_EQ(first.action, Action::kWaitUntil);
  EXPECT_GT(first.at, clock.wallNow());
  EXPECT_LE(first.at, clock.wallNow() + 62s);  // 1 s + splay of at most interval/10
  clock.setWall(first.at);

  const Step due = p.onDue(clock.wallNow());
  EXPECT_EQ(due.action, Action::kSampleCrossTraffic);
  EXPECT_FALSE(due.event);
  clock.advance(2s);
  const Step go = p.onCrossTraffic(clock.wallNow(), 3.0, "eth0");
  EXPECT_EQ(go.action, Action::kRun);
  EXPECT_FALSE(go.event);

  const WallTime started = clock.wallNow();
  clock.advance(30s);
  p.testDone(started, clock.wallNow(), 1'000'000);
  const Step next = p.next(clock.wallNow());
  ASSERT_EQ(next.action, Action::kWaitUntil);
  EXPECT_EQ(next.at, started + 600s);
}

TEST_F(TestPlannerTest, UnknownCrossTrafficNeverDefers) {
  TestPlanner p(labRules());
  ASSERT_EQ(p.onDue(clock.wallNow()).action, Action::kSampleCrossTraffic);
  EXPECT_EQ(p.onCrossTraffic(clock.wallNow(), -1, "").action, Action::kRun);
}

TEST_F(TestPlannerTest, DeferralDisabledRunsWithoutSampling) {
  auto r = labRules();
  r.gate.defer_if_cross_traffic_mbps = 0;
  TestPlanner p(r);
  EXPECT_EQ(p.onDue(clock.wallNow()).action, Action::kRun);
}

TEST_F(TestPlannerTest, BusyWanDefersUpToTheLimitThenSkipsTheSlotSayingWhy) {
  TestPlanner p(labRules());
  for (int attempt = 1; attempt <= 2; ++attempt) {
    ASSERT_EQ(p.onDue(clock.wallNow()).action, Action::kSampleCrossTraffic);
    clock.advance(2s);
    const Step s = p.onCrossTraffic(clock.wallNow(), 40.0, "wan0");
    ASSERT_EQ(s.action, Action::kWaitUntil) << attempt;
    EXPECT_EQ(s.at, clock.wallNow() + 60s);
    ASSERT_TRUE(s.event);
    EXPECT_EQ(s.event->name, "test_deferred");
    EXPECT_EQ(s.event->fields["attempt"], attempt);
    EXPECT_EQ(s.event->fields["wan_interface"], "wan0");
    EXPECT_EQ(s.event->fields["retry_in_s"], 60);
    EXPECT_EQ(s.event->fields["cross_traffic_mbps"], 40.0);
    clock.setWall(s.at);
  }
  ASSERT_EQ(p.onDue(clock.wallNow()).action, Action::kSampleCrossTraffic);
  const WallTime skipped_at = clock.wallNow();
  const Step skip = p.onCrossTraffic(skipped_at, 40.0, "wan0");
  ASSERT_TRUE(skip.event);
  EXPECT_EQ(skip.event->name, "test_skipped");
  EXPECT_EQ(skip.event->fields["reason"], "cross_traffic");
  EXPECT_EQ(skip.event->fields["attempts"], 3);
  // The skipped slot counts as used: the next one is a whole interval later, not now.
  ASSERT_EQ(skip.action, Action::kWaitUntil);
  EXPECT_EQ(skip.at, skipped_at + 600s);
  EXPECT_EQ(p.deferrals(), 0);
}

TEST_F(TestPlannerTest, ARunAfterADeferralStartsTheCountAgain) {
  TestPlanner p(labRules());
  (void)p.onDue(clock.wallNow());
  ASSERT_EQ(p.onCrossTraffic(clock.wallNow(), 40.0, "wan0").action, Action::kWaitUntil);
  EXPECT_EQ(p.deferrals(), 1);
  (void)p.onDue(clock.wallNow());
  EXPECT_EQ(p.onCrossTraffic(clock.wallNow(), 1.0, "wan0").action, Action::kRun);
  EXPECT_EQ(p.deferrals(), 0);
}

TEST_F(TestPlannerTest, AnExhaustedBudgetSkipsEverySlotAndSaysSoOnceAMonth) {
  TestPlanner p(labRules(1.0));
  p.restoreTest(clock.wallNow() - 24h, 1'000'000'000);  // the month's gigabyte, from the journal
  EXPECT_TRUE(p.budgetExhausted(clock.wallNow()));

  const Step first = p.onDue(clock.wallNow());
  ASSERT_TRUE(first.event);
  EXPECT_EQ(first.event->name, "test_skipped");
  EXPECT_EQ(first.event->fields["reason"], "monthly_budget_exhausted");
  EXPECT_EQ(first.event->fields["used_bytes"], 1'000'000'000u);
  ASSERT_EQ(first.action, Action::kWaitUntil);
  EXPECT_EQ(first.at, clock.wallNow() + 600s);  // waits for the next slot, never runs

  clock.setWall(first.at);
  const Step second = p.onDue(clock.wallNow());
  EXPECT_FALSE(second.event);  // said once this month
  EXPECT_EQ(second.action, Action::kWaitUntil);

  // 2027-01-01 00:10 in Shanghai: a new month, a new budget.
  clock.setWall(WallTime{} + std::chrono::seconds(1798733400));
  EXPECT_FALSE(p.budgetExhausted(clock.wallNow()));
  EXPECT_EQ(p.onDue(clock.wallNow()).action, Action::kSampleCrossTraffic);
}

TEST_F(TestPlannerTest, TestBytesCountAgainstTheBudgetAsTheyAreSpent) {
  TestPlanner p(labRules(1.0));
  p.testDone(clock.wallNow(), clock.wallNow(), 600'000'000);
  EXPECT_FALSE(p.budgetExhausted(clock.wallNow()));
  p.testDone(clock.wallNow(), clock.wallNow(), 400'000'000);  // a remote test, say
  EXPECT_TRUE(p.budgetExhausted(clock.wallNow()));
  EXPECT_EQ(p.usedBytes(clock.wallNow()), 1'000'000'000u);
}

TEST_F(TestPlannerTest, AReloadKeepsTheMonthsUsageAndAppliesTheNewBudgetAndInterval) {
  TestPlanner p(labRules(1.0));
  p.restoreTest(clock.wallNow() - 1h, 1'000'000'000);
  ASSERT_TRUE(p.budgetExhausted(clock.wallNow()));
  ASSERT_TRUE(p.onDue(clock.wallNow()).event);  // announced

  auto raised = labRules(2.0);
  raised.schedule.interval = 1200s;
  p.setRules(raised);
  EXPECT_FALSE(p.budgetExhausted(clock.wallNow()));
  EXPECT_EQ(p.usedBytes(clock.wallNow()), 1'000'000'000u);
  EXPECT_EQ(p.lastTest(), clock.wallNow());  // the skipped slot still counts
  EXPECT_EQ(p.next(clock.wallNow()).at, clock.wallNow() + 1200s);

  // Used up again under the raised budget: said again.
  p.testDone(clock.wallNow(), clock.wallNow(), 1'000'000'000);
  const Step again = p.onDue(clock.wallNow());
  ASSERT_TRUE(again.event);
  EXPECT_EQ(again.event->fields["budget_gb"], 2.0);
}

TEST_F(TestPlannerTest, JournaledTestsRestoreTheLastTestSoARestartDoesNotTestAtOnce) {
  TestPlanner p(labRules());
  const WallTime five_min_ago = clock.wallNow() - 300s;
  p.restoreTest(five_min_ago - 600s, 10);
  p.restoreTest(five_min_ago, 10);
  p.restoreTest(five_min_ago - 1200s, 10);  // order in the journal does not matter
  const Step s = p.next(clock.wallNow());
  ASSERT_EQ(s.action, Action::kWaitUntil);
  EXPECT_EQ(s.at, five_min_ago + 600s);
}

}  // namespace
}  // namespace uplinkprobe::daemon
