#include "agent/availability/period_stats.h"

#include <gtest/gtest.h>

namespace uplinkprobe::availability {
namespace {

using std::chrono::microseconds;
using std::chrono::seconds;

TEST(PeriodStats, RttSummaryByHand) {
  // sorted: 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 100 (n=20)
  // median = (19+20)/2 = 19.5; p95 = ceil(19)=19th smallest = 28; min = 10.
  std::vector<double> rtts;
  for (int i = 10; i <= 28; ++i) rtts.push_back(i);
  rtts.push_back(100);
  RttSummary s = summarizeRtts(rtts);
  EXPECT_DOUBLE_EQ(s.min_ms, 10);
  EXPECT_DOUBLE_EQ(s.median_ms, 19.5);
  EXPECT_DOUBLE_EQ(s.p95_ms, 28);
  // jitter: 18 steps of 1 then one of 72 -> 90 / 19.
  ASSERT_TRUE(s.jitter_ms.has_value());
  EXPECT_DOUBLE_EQ(*s.jitter_ms, 90.0 / 19.0);

  RttSummary odd = summarizeRtts({30, 10, 20});
  EXPECT_DOUBLE_EQ(odd.median_ms, 20);
  EXPECT_DOUBLE_EQ(odd.p95_ms, 30);      // ceil(2.85) = 3rd
  EXPECT_DOUBLE_EQ(*odd.jitter_ms, 15);  // |10-30| + |20-10| = 30 / 2

  EXPECT_FALSE(summarizeRtts({5}).jitter_ms.has_value());
}

TEST(PeriodStats, RecordWithLossAndDownTime) {
  ManualClock clock;
  PeriodStats stats(clock.steadyNow(), clock.wallNow());
  SteadyTime t0 = clock.steadyNow();
  // 4 rounds: RTTs 10, 12, (timeout), 16 ms on one target; DNS always fine without RTT.
  int rtts[] = {10, 12, -1, 16};
  for (int rtt : rtts) {
    RoundResult r;
    r.steady = clock.steadyNow();
    ProbeResult p;
    p.kind = ProbeKind::kTcp;
    p.target = "tcp:192.0.2.1:443";
    p.ok = p.reachable = rtt > 0;
    if (rtt > 0) p.rtt = microseconds(rtt * 1000);
    r.probes.push_back(p);
    stats.addRound(r);
    stats.countRound(rtt > 0);
    clock.advance(seconds(10));
  }
  // A closed outage from t0-20s to t0+5s (clipped to 5 s), an open one since t0+30s.
  stats.addDownInterval(t0 - seconds(20), t0 + seconds(5));
  auto rec = stats.finish(t0 + seconds(40), clock.wallNow(), t0 + seconds(30));
  EXPECT_DOUBLE_EQ(rec.period_s, 40);
  EXPECT_DOUBLE_EQ(rec.down_s, 15);
  EXPECT_DOUBLE_EQ(rec.up_s, 25);
  EXPECT_EQ(rec.rounds, 4);
  EXPECT_EQ(rec.good_rounds, 3);
  const record::TargetFigures& t = rec.targets.at("tcp:192.0.2.1:443");
  EXPECT_EQ(t.probes, 4);
  EXPECT_EQ(t.failed, 1);
  EXPECT_DOUBLE_EQ(t.loss_pct, 25);
  ASSERT_TRUE(t.rtt.has_value());
  EXPECT_DOUBLE_EQ(t.rtt->min_ms, 10);
  EXPECT_DOUBLE_EQ(t.rtt->median_ms, 12);
  EXPECT_DOUBLE_EQ(t.rtt->p95_ms, 16);
  ASSERT_TRUE(t.jitter_ms.has_value());
  EXPECT_DOUBLE_EQ(*t.jitter_ms, 3);  // |12-10| + |16-12| = 6 / 2

  // The next period starts empty.
  auto next = stats.finish(t0 + seconds(50), clock.wallNow(), std::nullopt);
  EXPECT_EQ(next.rounds, 0);
  EXPECT_TRUE(next.targets.empty());
  EXPECT_DOUBLE_EQ(next.up_s, 10);
}

TEST(PeriodStats, TargetsAndSamplesAreBounded) {
  ManualClock clock;
  PeriodStats stats(clock.steadyNow(), clock.wallNow());
  RoundResult r;
  for (size_t i = 0; i < kMaxTargets + 10; ++i) {
    ProbeResult p;
    p.target = "t" + std::to_string(i);
    p.ok = true;
    p.rtt = microseconds(1000);
    r.probes.push_back(p);
  }
  stats.addRound(r);
  auto rec = stats.finish(clock.steadyNow() + seconds(1), clock.wallNow(), std::nullopt);
  EXPECT_EQ(rec.targets.size(), kMaxTargets);
  EXPECT_EQ(rec.targets_dropped, 10);
}

}  // namespace
}  // namespace uplinkprobe::availability
