// AlertEngine and BreachTracker driven by synthetic journal records (no clock, no sleeps).
#include "agent/verdict/alert_engine.h"

#include <gtest/gtest.h>

#include "common/time_format.h"

namespace uplinkprobe::verdict {
namespace {

const WallTime kT0 = *parseRfc3339("2024-05-06T08:00:00Z");
const char* const kJournalId = "00000000000000aa";
std::string id(int seq) { return std::string("dev:") + kJournalId + ":" + std::to_string(seq); }

// A tiny journal: assigns seq/id/ts like the real one so engines see realistic envelopes.
class FakeJournal {
 public:
  nlohmann::json add(const std::string& kind, nlohmann::json body, WallTime ts) {
    ++seq_;
    body["kind"] = kind;
    body["seq"] = seq_;
    body["journal_id"] = kJournalId;
    body["id"] = id(static_cast<int>(seq_));
    body["ts"] = formatRfc3339Utc(ts);
    records_.push_back(body);
    return body;
  }
  const std::vector<nlohmann::json>& records() const { return records_; }

 private:
  uint64_t seq_ = 0;
  std::vector<nlohmann::json> records_;
};

nlohmann::json test(double mbps, bool counted = true, double target = 100) {
  return {{"verdict",
           {{"target_mbps", target},
            {"measured_mbps", mbps},
            {"meets_target", mbps >= target * 0.95},
            {"counted", counted},
            {"unfair_reasons",
             counted ? nlohmann::json::array() : nlohmann::json::array({"cross_traffic"})}}}};
}

// Journals a record, feeds the engine, journals what it returns (as the daemon does),
// feeds those back too; returns the alert records.
struct Harness {
  AlertRules rules;
  FakeJournal journal;
  AlertEngine engine;
  WallTime now = kT0;
  explicit Harness(AlertRules r = {}) : rules(r), engine(r) {}

  std::vector<nlohmann::json> feed(const std::string& kind, nlohmann::json body,
                                   std::chrono::seconds step = std::chrono::seconds(900)) {
    now += step;
    return settle(engine.onRecord(journal.add(kind, std::move(body), now)));
  }
  std::vector<nlohmann::json> settle(std::vector<nlohmann::json> bodies) {
    std::vector<nlohmann::json> alerts;
    for (auto& b : bodies) {
      auto rec = journal.add("alert", b, now);
      EXPECT_TRUE(engine.onRecord(rec).empty());
      alerts.push_back(rec);
    }
    return alerts;
  }
};

AlertRules rules(int after, int window, int clear) {
  AlertRules r;
  r.throughput = {after, window, clear};
  return r;
}

TEST(AlertEngine, OpensAfterExactlyNOfMCountedTestsBelowTarget) {
  Harness h(rules(3, 5, 3));
  EXPECT_TRUE(h.feed("throughput", test(50)).empty());   // 1 bad
  EXPECT_TRUE(h.feed("throughput", test(120)).empty());  // good
  EXPECT_TRUE(h.feed("throughput", test(40)).empty());   // 2 bad of 3
  auto a = h.feed("throughput", test(60));               // 3 bad of the last 4
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0]["alert"], "breach_opened");
  EXPECT_EQ(a[0]["type"], "throughput");
  EXPECT_EQ(a[0]["evidence"], nlohmann::json({id(1), id(3), id(4)}));
  EXPECT_EQ(a[0]["measured_mbps"], nlohmann::json({50.0, 40.0, 60.0}));
  EXPECT_EQ(a[0]["target_mbps"], 100.0);
  EXPECT_TRUE(h.engine.throughputOpen());
  EXPECT_EQ(h.engine.state()["breaches"][0]["opened_alert_id"], id(5));
}

TEST(AlertEngine, NMinusOneBadInTheWindowDoesNotOpen) {
  Harness h(rules(3, 5, 3));
  // Bad ones slide out of the window of 5 before a third arrives.
  for (double mbps : {50.0, 50.0, 120.0, 120.0, 120.0, 50.0, 120.0, 120.0, 120.0, 50.0})
    EXPECT_TRUE(h.feed("throughput", test(mbps)).empty()) << mbps;
  EXPECT_FALSE(h.engine.throughputOpen());
  EXPECT_EQ(h.engine.state()["throughput"]["bad_in_window"], 2);  // N - 1
}

TEST(AlertEngine, NoFlappingOnASingleBadTestWhileOpenOrClosed) {
  Harness h(rules(2, 3, 3));
  EXPECT_TRUE(h.feed("throughput", test(50)).empty());
  EXPECT_EQ(h.feed("throughput", test(50)).size(), 1u);  // opened
  EXPECT_TRUE(h.feed("throughput", test(120)).empty());
  EXPECT_TRUE(h.feed("throughput", test(120)).empty());
  EXPECT_TRUE(h.feed("throughput", test(50)).empty());  // resets the clearing streak
  EXPECT_TRUE(h.feed("throughput", test(120)).empty());
  EXPECT_TRUE(h.feed("throughput", test(120)).empty());
  auto c = h.feed("throughput", test(120));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0]["alert"], "breach_closed");
  // seq 3 is the breach_opened alert itself; 7-9 are the good streak after the bad 6.
  EXPECT_EQ(c[0]["evidence"], nlohmann::json({id(7), id(8), id(9)}));
  EXPECT_EQ(c[0]["opened_alert_id"], id(3));
  // Closed again: a single bad test does not re-open.
  EXPECT_TRUE(h.feed("throughput", test(50)).empty());
  EXPECT_FALSE(h.engine.throughputOpen());
}

TEST(AlertEngine, ClearsAfterExactlyKGood) {
  Harness h(rules(1, 1, 4));
  EXPECT_EQ(h.feed("throughput", test(10)).size(), 1u);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(h.feed("throughput", test(100)).empty());
  EXPECT_EQ(h.feed("throughput", test(100))[0]["alert"], "breach_closed");
}

TEST(AlertEngine, UnfairResultsAreIgnored) {
  Harness h(rules(2, 3, 2));
  for (int i = 0; i < 10; ++i)
    EXPECT_TRUE(h.feed("throughput", test(5, /*counted=*/false)).empty());
  nlohmann::json failed = {{"verdict", {{"counted", false}, {"meets_target", nullptr}}},
                           {"error", {{"kind", "connect"}}}};
  EXPECT_TRUE(h.feed("throughput", failed).empty());
  EXPECT_FALSE(h.engine.throughputOpen());
  EXPECT_EQ(h.engine.state()["throughput"]["window"].size(), 0u);
  // And they do not break a clearing streak either.
  EXPECT_TRUE(h.feed("throughput", test(5)).empty());
  EXPECT_EQ(h.feed("throughput", test(5)).size(), 1u);
  EXPECT_TRUE(h.feed("throughput", test(120)).empty());
  EXPECT_TRUE(h.feed("throughput", test(5, false)).empty());
  EXPECT_EQ(h.feed("throughput", test(120)).size(), 1u);
}

TEST(AlertEngine, RestartInTheMiddleKeepsStateAndDoesNotReAnnounce) {
  const std::vector<double> seq = {50, 50, 50, 120, 50, 120, 120, 120, 50, 50, 50, 120};
  for (size_t cut = 0; cut <= seq.size(); ++cut) {
    Harness live(rules(3, 5, 3));
    auto memj = journal::makeMemoryJournal("dev", kJournalId);
    std::vector<nlohmann::json> live_alerts, restarted_alerts;
    for (size_t i = 0; i < cut; ++i)
      for (auto& a : live.feed("throughput", test(seq[i]))) live_alerts.push_back(a);
    for (const auto& r : live.journal.records()) {
      auto copy = r;
      copy.erase("seq");
      copy.erase("id");
      ASSERT_TRUE(memj->append(copy));  // same seqs: the memory journal counts from 1 too
    }
    AlertEngine restarted(live.rules);
    EXPECT_TRUE(restarted.rebuild(*memj).empty()) << "cut " << cut;
    EXPECT_EQ(restarted.state(), live.engine.state()) << "cut " << cut;
    // Continue both with the same records: identical output.
    for (size_t i = cut; i < seq.size(); ++i) {
      live.now += std::chrono::seconds(900);
      auto rec = live.journal.add("throughput", test(seq[i]), live.now);
      auto a = live.engine.onRecord(rec);
      auto b = restarted.onRecord(rec);
      EXPECT_EQ(a, b) << "cut " << cut << " i " << i;
      for (auto& body : live.settle(a)) restarted.onRecord(body);
    }
    EXPECT_EQ(restarted.state(), live.engine.state()) << "cut " << cut;
  }
}

TEST(AlertEngine, RebuildAnnouncesABreachTheJournalMissed) {
  // The agent died after the third bad test was journaled, before its alert.
  Harness h(rules(3, 3, 1));
  std::vector<nlohmann::json> recs;
  for (int i = 0; i < 3; ++i) recs.push_back(h.journal.add("throughput", test(10), h.now));
  AlertEngine e(h.rules);
  auto out = e.replay(recs);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["alert"], "breach_opened");
  EXPECT_EQ(out[0]["reconciled"], true);
  EXPECT_EQ(out[0]["evidence"], nlohmann::json({id(1), id(2), id(3)}));
  // Records already replayed are ignored if fed again.
  EXPECT_TRUE(e.onRecord(recs.back()).empty());
}

TEST(AlertEngine, LongOutageOpensOnTickAndClosesWithTheOutageRecord) {
  AlertRules r;
  r.outage_alert_minutes = 10;
  Harness h(r);
  auto started = h.feed(
      "event",
      {{"event", "outage_started"}, {"start", "2024-05-06T08:14:00Z"}, {"class", "upstream"}});
  EXPECT_TRUE(started.empty());
  EXPECT_TRUE(h.engine.onTick(*parseRfc3339("2024-05-06T08:23:59Z")).empty());
  auto opened = h.settle(h.engine.onTick(*parseRfc3339("2024-05-06T08:24:00Z")));
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0]["type"], "availability");
  EXPECT_EQ(opened[0]["cause"], "long_outage");
  EXPECT_EQ(opened[0]["evidence"], nlohmann::json({id(1)}));
  EXPECT_TRUE(h.engine.onTick(*parseRfc3339("2024-05-06T09:00:00Z")).empty());
  auto closed = h.feed("outage", {{"start", "2024-05-06T08:14:00Z"},
                                  {"end", "2024-05-06T09:14:00Z"},
                                  {"duration_s", 3600},
                                  {"class", "upstream"}});
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0]["alert"], "breach_closed");
  EXPECT_EQ(closed[0]["evidence"], nlohmann::json({id(3)}));
  EXPECT_FALSE(h.engine.availabilityOpen());
}

TEST(AlertEngine, ShortOutageNoAlertLongClosedOutageOpensAndCloses) {
  Harness h;
  EXPECT_TRUE(h.feed("outage", {{"start", "2024-05-06T08:00:00Z"},
                                {"end", "2024-05-06T08:09:59Z"},
                                {"duration_s", 599}})
                  .empty());
  auto a = h.feed(
      "outage",
      {{"start", "2024-05-06T09:00:00Z"}, {"end", "2024-05-06T09:10:01Z"}, {"duration_s", 601}});
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0]["alert"], "breach_opened");
  EXPECT_EQ(a[1]["alert"], "breach_closed");
  EXPECT_EQ(a[0]["evidence"], nlohmann::json({id(2)}));
}

// A daily record's members that the low-uptime rule reads (UTC days, for the test).
nlohmann::json day(const std::string& date, nlohmann::json uptime_pct) {
  return {{"date", date},
          {"day_start", date + "T00:00:00Z"},
          {"day_end", date + "T23:59:59Z"},
          {"coverage", 1.0},
          {"uptime_pct", std::move(uptime_pct)}};
}

TEST(AlertEngine, LowDailyUptimeOpensUntilAGoodDay) {
  AlertRules r;
  r.min_daily_uptime_pct = 99;
  Harness h(r);
  EXPECT_TRUE(h.feed("daily", day("2024-05-05", 99.5)).empty());
  auto a = h.feed("daily", day("2024-05-06", 97.0));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0]["cause"], "low_uptime");
  EXPECT_EQ(a[0]["evidence"], nlohmann::json({id(2)}));
  EXPECT_EQ(a[0]["since"], "2024-05-06T00:00:00.000Z");  // the bad day's start
  EXPECT_TRUE(h.feed("daily", day("2024-05-07", 90.0)).empty());
  EXPECT_TRUE(h.feed("daily", day("2024-05-08", nullptr)).empty());
  auto c = h.feed("daily", day("2024-05-09", 100.0));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0]["alert"], "breach_closed");
}

TEST(BreachTracker, ClampsNonsenseRules) {
  BreachTracker t({10, 2, 0});  // breach_after > window, clear_after 0
  EXPECT_EQ(t.rules().breach_after, 2);
  EXPECT_EQ(t.rules().clear_after, 1);
  EXPECT_FALSE(t.onResult({"a", false, 1}));
  EXPECT_TRUE(t.onResult({"b", false, 1}));
}

}  // namespace
}  // namespace uplinkprobe::verdict
