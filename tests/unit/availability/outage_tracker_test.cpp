#include "agent/availability/outage_tracker.h"

#include <gtest/gtest.h>

#include "common/time_format.h"

namespace uplinkprobe::availability {
namespace {

using std::chrono::seconds;

// Drives the tracker with 10 s rounds on a ManualClock; records what it emitted.
class Driver {
 public:
  explicit Driver(OutageTrackerOptions o = {3, 2}) : tracker(o) {}
  std::vector<nlohmann::json> feed(OutageClass cls, const std::string& err = "timeout") {
    RoundResult r;
    r.steady = clock.steadyNow();
    r.wall = clock.wallNow();
    ProbeResult p;
    p.kind = ProbeKind::kTcp;
    p.target = "tcp:192.0.2.1:443";
    p.ok = p.reachable = cls == OutageClass::kNone;
    p.detail = p.ok ? "" : err;
    r.probes.push_back(p);
    RoundVerdict v{cls == OutageClass::kNone, cls};
    auto out = tracker.onRound(r, v);
    emitted.insert(emitted.end(), out.begin(), out.end());
    clock.advance(seconds(10));
    return out;
  }
  std::vector<nlohmann::json> good(int n) {
    std::vector<nlohmann::json> all;
    for (int i = 0; i < n; ++i) {
      auto o = feed(OutageClass::kNone);
      all.insert(all.end(), o.begin(), o.end());
    }
    return all;
  }
  ManualClock clock{WallTime{} + seconds(1795867800)};
  OutageTracker tracker;
  std::vector<nlohmann::json> emitted;
};

TEST(OutageTracker, NoOutageAfterFailRoundsMinusOne) {
  Driver d;
  d.feed(OutageClass::kUpstream);
  d.feed(OutageClass::kUpstream);
  EXPECT_FALSE(d.tracker.isOpen());
  d.good(5);
  EXPECT_TRUE(d.emitted.empty());
  EXPECT_EQ(d.tracker.phase(), OutageTracker::Phase::kUp);
}

TEST(OutageTracker, OpensAfterExactlyNAndClosesAfterK) {
  Driver d;
  WallTime first_bad = d.clock.wallNow();
  EXPECT_TRUE(d.feed(OutageClass::kUpstream).empty());
  EXPECT_TRUE(d.feed(OutageClass::kUpstream).empty());
  auto opened = d.feed(OutageClass::kUpstream);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0]["event"], "outage_started");
  EXPECT_EQ(opened[0]["start"], formatRfc3339Utc(first_bad));
  EXPECT_TRUE(d.tracker.isOpen());
  d.feed(OutageClass::kUpstream);  // 4th bad round at +30 s
  WallTime first_good = d.clock.wallNow();
  EXPECT_TRUE(d.feed(OutageClass::kNone).empty());
  auto closed = d.feed(OutageClass::kNone);
  ASSERT_EQ(closed.size(), 1u);
  const auto& rec = closed[0];
  EXPECT_EQ(rec["kind"], "outage");
  EXPECT_EQ(rec["start"], formatRfc3339Utc(first_bad));
  EXPECT_EQ(rec["end"], formatRfc3339Utc(first_good));
  EXPECT_DOUBLE_EQ(rec["duration_s"].get<double>(), 40.0);
  EXPECT_EQ(rec["class"], "upstream");
  EXPECT_EQ(rec["open"], false);
  EXPECT_EQ(rec["evidence"]["failed_rounds"], 4);
  EXPECT_EQ(rec["evidence"]["probes"][0]["target"], "tcp:192.0.2.1:443");
  EXPECT_EQ(rec["evidence"]["probes"][0]["failed"], 4);
  EXPECT_EQ(rec["evidence"]["probes"][0]["of"], 6);
  EXPECT_EQ(rec["evidence"]["probes"][0]["last_error"], "timeout");
  EXPECT_FALSE(d.tracker.isOpen());
}

TEST(OutageTracker, BadRoundDuringRecoveryRestartsTheCount) {
  Driver d;
  for (int i = 0; i < 3; ++i) d.feed(OutageClass::kDns);
  d.feed(OutageClass::kNone);
  d.feed(OutageClass::kDns);
  EXPECT_TRUE(d.good(1).empty());
  WallTime end = d.clock.wallNow() - seconds(10);
  auto closed = d.good(1);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0]["end"], formatRfc3339Utc(end));
  EXPECT_EQ(closed[0]["class"], "dns");
}

TEST(OutageTracker, ClassIsDominantWithSeverityTieBreak) {
  Driver d;
  d.feed(OutageClass::kLocal);
  for (int i = 0; i < 4; ++i) d.feed(OutageClass::kDns);
  auto closed = d.good(2);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0]["class"], "dns");
  EXPECT_EQ(closed[0]["evidence"]["rounds_by_class"]["local"], 1);

  Driver tie;
  tie.feed(OutageClass::kDns);
  tie.feed(OutageClass::kLocal);
  tie.feed(OutageClass::kUpstream);
  tie.feed(OutageClass::kLocal);
  tie.feed(OutageClass::kUpstream);
  auto c2 = tie.good(2);
  ASSERT_EQ(c2.size(), 1u);
  EXPECT_EQ(c2[0]["class"], "local");
}

TEST(OutageTracker, EvidenceIsBounded) {
  OutageTracker t({1, 1});
  RoundResult r;
  for (int i = 0; i < 100; ++i) {
    ProbeResult p;
    p.target = "tcp:10.0.0." + std::to_string(i) + ":80";
    p.detail = std::string(500, 'x');
    r.probes.push_back(p);
  }
  t.onRound(r, {false, OutageClass::kUpstream});
  r.probes.clear();
  auto closed = t.onRound(r, {true, OutageClass::kNone});
  ASSERT_EQ(closed.size(), 1u);
  const auto& ev = closed[0]["evidence"];
  EXPECT_EQ(ev["probes"].size(), kMaxEvidenceTargets);
  EXPECT_EQ(ev["targets_dropped"], 100 - static_cast<int>(kMaxEvidenceTargets));
  EXPECT_EQ(ev["probes"][0]["last_error"].get<std::string>().size(), kMaxDetailLength);
}

TEST(OutageTracker, OpenOutageSurvivesARestart) {
  Driver d;
  WallTime first_bad = d.clock.wallNow();
  for (int i = 0; i < 3; ++i) d.feed(OutageClass::kLocal);
  nlohmann::json saved = d.tracker.state();
  EXPECT_EQ(saved["open"], true);
  // Round-trip through text, as the daemon would store it.
  saved = nlohmann::json::parse(saved.dump());

  Driver after;
  after.clock.setWall(d.clock.wallNow() + seconds(120));  // agent was down for 2 min
  ASSERT_TRUE(after.tracker.restore(saved).ok());
  EXPECT_TRUE(after.tracker.isOpen());
  WallTime first_good = after.clock.wallNow();
  auto closed = after.good(2);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0]["start"], formatRfc3339Utc(first_bad));
  EXPECT_EQ(closed[0]["restored"], true);
  EXPECT_EQ(closed[0]["class"], "local");
  EXPECT_DOUBLE_EQ(closed[0]["duration_s"].get<double>(),
                   std::chrono::duration<double>(first_good - first_bad).count());
}

TEST(OutageTracker, RestoreRejectsGarbageAndStaysUp) {
  OutageTracker t({3, 2});
  EXPECT_FALSE(t.restore(nlohmann::json::array()).ok());
  EXPECT_FALSE(t.restore({{"open", true}, {"start", "yesterday"}}).ok());
  EXPECT_FALSE(t.isOpen());
  EXPECT_TRUE(t.restore({{"open", false}}).ok());
  EXPECT_FALSE(t.isOpen());
  EXPECT_EQ(t.state(), nlohmann::json({{"open", false}}));
}

}  // namespace
}  // namespace uplinkprobe::availability
