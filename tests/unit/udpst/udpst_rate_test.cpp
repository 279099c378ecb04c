// Sending-rate table rows checked against `udpst -S` of the reference 9.0.0 (default flags:
// jumbo on, 1250-byte datagrams; and -T, 1500-byte datagrams), the Type B / Type C rate search,
// and the receiver's counters and sub-intervals with a ManualClock.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "common/clock.h"
#include "udpst/rate_adjuster.h"
#include "udpst/receiver_tracker.h"
#include "udpst/sending_rates.h"

namespace uplinkprobe::udpst {
namespace {

using namespace std::chrono_literals;

TEST(UdpstSendingRates, DefaultTableMatchesTheReference) {
  SendingRateTable t(/*jumbo=*/true, /*traditional_mtu=*/false);
  ASSERT_EQ(t.size(), 1153);
  EXPECT_EQ(t.highSpeedThreshold(), 1000);
  // "    0)        0        0     0  +    50000        0     0  52-1222"
  EXPECT_EQ(t.row(0), (SendingRate{0, 0, 0, 50000, 0, 0, 1222 | kRandomBit}));
  // "    1)        0        0     0  +     1000        0     0       97  =       1.00"
  EXPECT_EQ(t.row(1), (SendingRate{0, 0, 0, 1000, 0, 0, 97}));
  EXPECT_EQ(t.row(2), (SendingRate{0, 0, 0, 1000, 0, 0, 222}));
  // "  989)      100     1222     9  +     1000     1222     8     1097  =     989.00"
  EXPECT_EQ(t.row(989), (SendingRate{100, 1222, 9, 1000, 1222, 8, 1097}));
  EXPECT_EQ(t.row(990), (SendingRate{100, 1222, 9, 1000, 1222, 9, 0}));
  // " 1000)      100     1222    10  +        0        0     0        0  =    1000.00"
  EXPECT_EQ(t.row(1000), (SendingRate{100, 1222, 10, 0, 0, 0, 0}));
  EXPECT_EQ(t.row(1001), (SendingRate{100, 1347, 10, 0, 0, 0, 0}));
  EXPECT_EQ(t.row(1152), (SendingRate{100, 8972, 100, 0, 0, 0, 0}));
  for (int i : {1, 2, 50, 123, 500, 989, 999, 1000}) {
    EXPECT_NEAR(SendingRateTable::rowMbps(t.row(i)), i, 1e-9) << "row " << i;
  }
  EXPECT_NEAR(SendingRateTable::rowMbps(t.row(1152)), 72000, 1e-6);
  EXPECT_EQ(t.rowFor(50), 50);
  EXPECT_EQ(t.rowFor(49.5), 50);
}

TEST(UdpstSendingRates, TraditionalMtuTableMatchesTheReference) {
  SendingRateTable t(/*jumbo=*/true, /*traditional_mtu=*/true);
  ASSERT_EQ(t.size(), 1153);
  // Reference `udpst -S -T` rows.
  EXPECT_EQ(t.row(1), (SendingRate{0, 0, 0, 1000, 0, 0, 97}));
  EXPECT_EQ(t.row(12), (SendingRate{0, 0, 0, 1000, 1472, 1, 0}));
  EXPECT_NEAR(SendingRateTable::rowMbps(t.row(12)), 12.0, 1e-9);
  EXPECT_EQ(t.highSpeedThreshold(), 1000);
}

RateParams params(std::uint8_t algo) {
  RateParams p;
  p.algorithm = algo;
  return p;
}
TrialFeedback clean() {
  TrialFeedback f;
  f.rtt_var_sample = 0;
  return f;
}
TrialFeedback congested() {
  TrialFeedback f;
  f.seq_err_loss = 50;
  f.rtt_var_sample = 0;
  return f;
}

TEST(UdpstRateAdjuster, TypeBStepsFastThenBacksOffAndCreepsOn) {
  RateAdjuster r(params(kAlgorithmB));
  EXPECT_EQ(r.adjust(clean()), 10);
  EXPECT_EQ(r.adjust(clean()), 20);
  EXPECT_EQ(r.adjust(congested()), 19);  // slow count 1
  EXPECT_EQ(r.adjust(congested()), 18);  // slow count 2
  EXPECT_EQ(r.adjust(congested()), 0);   // slow count 3 = threshold: back 3 × 10 rows (to 0)
  EXPECT_EQ(r.adjust(clean()), 1);       // after congestion: single rows
  EXPECT_EQ(r.adjust(clean()), 2);
  // Between the low and upper delay thresholds: no change.
  TrialFeedback mid = clean();
  mid.rtt_var_sample = 50;
  EXPECT_EQ(r.adjust(mid), 2);
  TrialFeedback high = clean();
  high.rtt_var_sample = 91;
  EXPECT_EQ(r.adjust(high), 1);
}

TEST(UdpstRateAdjuster, TypeCMultipliesEveryOtherTrialAndRetries) {
  RateAdjuster r(params(kAlgorithmC));
  EXPECT_EQ(r.adjust(clean()), 1);  // 0 -> 1, arm
  EXPECT_EQ(r.adjust(clean()), 2);  // double
  EXPECT_EQ(r.adjust(clean()), 2);
  EXPECT_EQ(r.adjust(clean()), 4);
  for (int i = 0; i < 15; ++i) r.adjust(clean());
  EXPECT_EQ(r.index(), 1000);  // 4, 8, … 512, then 512 × 2 passes the threshold: truncated
  EXPECT_EQ(r.adjust(congested()), 999);  // at the threshold: single rows down
  EXPECT_EQ(r.adjust(congested()), 998);
  EXPECT_EQ(r.adjust(congested()), 968);  // third congested trial: back 3 × 10 rows
  EXPECT_EQ(r.adjust(clean()), 969);      // then single rows, counting towards a retry
  EXPECT_EQ(r.adjust(clean()), 970);
  EXPECT_EQ(r.adjust(clean()), 971);   // 5th slow step: fast ramp re-armed
  EXPECT_EQ(r.adjust(clean()), 1000);  // 971 × 2 passes the threshold: truncated at it
}

TEST(UdpstRateAdjuster, NeverAboveTheGrantedRow) {
  RateParams p = params(kAlgorithmC);
  p.max_index = 30;
  RateAdjuster r(p);
  for (int i = 0; i < 100; ++i) EXPECT_LE(r.adjust(clean()), 30);
  EXPECT_EQ(r.index(), 30);
  EXPECT_EQ(r.searchIndex(), 90);  // the search stops at 2 × 30 + one back-off (3 × 10)
}

// The grant caps what is sent, not where the search goes: below twice the grant the search
// is the reference's row for row. A Type C that reaches the link (row 50 here) and is
// granted 61 rows jumps 36 -> 72 as the reference does, not 36 -> 61 — landing on the cap
// changed Type C's retry rhythm and made it read 2-13 % low on shaped links.
TEST(UdpstRateAdjuster, TheSearchRunsAsTheReferenceBelowTwiceTheGrant) {
  RateParams capped = params(kAlgorithmC);
  capped.max_index = 61;
  RateAdjuster ours(capped);
  RateAdjuster reference(params(kAlgorithmC));
  for (int trial = 0; trial < 400; ++trial) {
    // A 50-row link: loss above it, clean below (what the sender's rate did last trial).
    const TrialFeedback fb = reference.searchIndex() > 50 ? congested() : clean();
    const int sent = ours.adjust(fb);
    reference.adjust(fb);
    ASSERT_EQ(ours.searchIndex(), reference.searchIndex()) << "trial " << trial;
    ASSERT_EQ(sent, std::min(reference.searchIndex(), 61)) << "trial " << trial;
  }
}

TEST(UdpstRateAdjuster, LossIgnoresReorderingByDefault) {
  RateAdjuster r(params(kAlgorithmB));
  TrialFeedback f = clean();
  f.seq_err_ooo = 100;
  f.seq_err_dup = 100;
  EXPECT_EQ(r.adjust(f), 10);
  RateParams p = params(kAlgorithmB);
  p.ignore_ooo_dup = false;
  RateAdjuster strict(p);
  EXPECT_EQ(strict.adjust(f), 0);
}

LoadHeader load(std::uint32_t seq, const ManualClock& sender_clock, std::int64_t offset_ms = 0) {
  LoadHeader h;
  h.seq_no = seq;
  h.udp_payload = 1222;
  auto wall = sender_clock.wallNow().time_since_epoch() - std::chrono::milliseconds(offset_ms);
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(wall);
  h.lpdu_time_sec = static_cast<std::uint32_t>(secs.count());
  h.lpdu_time_nsec = static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(wall - secs).count());
  return h;
}

TEST(UdpstReceiverTracker, CountsLossReorderingDuplicatesAndDelay) {
  ManualClock clock;
  ReceiverTracker t(clock, 50, 1000);
  EXPECT_FALSE(t.makeStatus(kActionTest, {}).has_value());  // nothing before load
  t.onLoad(load(1, clock));
  t.onLoad(load(2, clock));
  t.onLoad(load(5, clock));  // 3 and 4 lost
  t.onLoad(load(3, clock));  // late: reordered, and one less lost
  t.onLoad(load(3, clock));  // duplicate (in the history)
  t.onLoad(load(6, clock, /*sent 7 ms earlier*/ 7));
  auto fb = t.feedback();
  EXPECT_EQ(fb.seq_err_loss, 1u);
  EXPECT_EQ(fb.seq_err_ooo, 1u);
  EXPECT_EQ(fb.seq_err_dup, 1u);
  EXPECT_EQ(fb.delay_var_cnt, 3u);  // PDUs 2, 5, 6 (not the first, not the late ones)
  clock.advance(50ms);
  auto s = t.makeStatus(kActionTest, SendingRate{});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->spdu_seq_no, 1u);
  EXPECT_EQ(s->delay_var_max, 7u);
  EXPECT_EQ(s->delay_var_min, 0u);
  EXPECT_EQ(s->ti_rx_datagrams, 6u);
  EXPECT_EQ(s->ti_rx_bytes, 6u * 1222);
  EXPECT_EQ(s->ti_delta_time_us, 50000u);
  // Counters restart with the next trial interval.
  EXPECT_EQ(t.feedback().seq_err_loss, 0u);
}

TEST(UdpstReceiverTracker, SubIntervalsCloseAtStatusTimesAndGiveTheRate) {
  ManualClock clock;
  ReceiverTracker t(clock, 50, 1000);
  std::uint32_t seq = 0;
  t.onLoad(load(++seq, clock));
  ASSERT_TRUE(t.makeStatus(kActionTest, {}).has_value());  // starts sub-interval 1
  // 1 s at 1000 datagrams/s of 1222 bytes: (1222 + 28) × 8 × 1000 = 10 Mbps at the IP layer.
  for (int trial = 0; trial < 20; ++trial) {
    for (int i = 0; i < 50; ++i) {
      clock.advance(1ms);
      t.onLoad(load(++seq, clock));
    }
    auto s = t.makeStatus(kActionTest, {});
    ASSERT_TRUE(s.has_value());
    if (trial < 19) {
      EXPECT_EQ(s->sub_int_seq_no, 0u) << trial;
    }
  }
  ASSERT_EQ(t.subIntervals().size(), 1u);
  const auto& sis = t.subIntervals().front();
  EXPECT_EQ(sis.rx_datagrams, 1000u);
  EXPECT_EQ(sis.delta_time_us, 1000000u);
  EXPECT_EQ(sis.accum_time_ms, 1000u);
  EXPECT_NEAR(ipRateMbps(sis), 10.0, 1e-9);
  // The next status carries the completed sub-interval.
  clock.advance(50ms);
  t.onLoad(load(++seq, clock));
  auto s = t.makeStatus(kActionTest, {});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->sub_int_seq_no, 1u);
  EXPECT_EQ(s->sis_sav, sis);
}

TEST(UdpstReceiverTracker, RttFromTheEchoedStatusTime) {
  ManualClock clock;
  ReceiverTracker t(clock, 50, 1000);
  t.onLoad(load(1, clock));
  auto s = t.makeStatus(kActionTest, {});
  ASSERT_TRUE(s.has_value());
  clock.advance(40ms);  // status travels, sender holds it 4 ms, load travels back
  LoadHeader h = load(2, clock);
  h.spdu_time_sec = s->spdu_time_sec;
  h.spdu_time_nsec = s->spdu_time_nsec;
  h.rtt_resp_delay = 4;
  t.onLoad(h);
  clock.advance(10ms);
  auto s2 = t.makeStatus(kActionTest, {});
  ASSERT_TRUE(s2.has_value());
  EXPECT_EQ(s2->rtt_minimum, 36u);
  EXPECT_EQ(s2->rtt_var_sample, 0u);
}

}  // namespace
}  // namespace uplinkprobe::udpst
