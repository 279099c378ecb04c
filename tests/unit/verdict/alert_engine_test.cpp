// AlertEngine and BreachTracker driven by synthetic journal records (no clock, no sleeps).
#include "agent/verdict/alert_engine.h"

#include <gtest/gtest.h>

#include "common/time_format.h"
#include "record/record_factory.h"
#include "record/schema_validator.h"

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
  std::vector<nlohmann::json> settle(const std::vector<record::AlertRecord>& out) {
    std::vector<nlohmann::json> alerts;
    for (const auto& a : out) {
      auto rec = journal.add("alert", a.toJson(), now);
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
  EXPECT_EQ(h.engine.state().toJson()["breaches"][0]["opened_alert_id"], id(5));
}

TEST(AlertEngine, NMinusOneBadInTheWindowDoesNotOpen) {
  Harness h(rules(3, 5, 3));
  // Bad ones slide out of the window of 5 before a third arrives.
  for (double mbps : {50.0, 50.0, 120.0, 120.0, 120.0, 50.0, 120.0, 120.0, 120.0, 50.0})
    EXPECT_TRUE(h.feed("throughput", test(mbps)).empty()) << mbps;
  EXPECT_FALSE(h.engine.throughputOpen());
  EXPECT_EQ(h.engine.state().toJson()["throughput"]["bad_in_window"], 2);  // N - 1
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
  EXPECT_EQ(h.engine.state().toJson()["throughput"]["window"].size(), 0u);
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
  std::vector<nlohmann::json> out;
  for (const auto& a : e.replay(recs)) out.push_back(a.toJson());
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

// What the daemon journals, as the collector receives it: the factory's envelope plus the
// journal's id and seq; it must pass the schema the collector checks at ingest.
void expectValidRecord(const std::string& kind, const nlohmann::json& body) {
  static const ManualClock clock(kT0);
  static const record::RecordFactory factory(
      {"dev", "school-1"}, clock,
      [] {
        return platform::ClockSyncState{true, "kernel", 1000};
      },
      "boot-1");
  nlohmann::json r = factory.make(kind, body);
  r["journal_id"] = kJournalId;
  r["seq"] = 1000;
  r["id"] = id(1000);
  const auto checked = record::SchemaSet::embedded().validate(kind, r);
  EXPECT_TRUE(checked.ok()) << r.dump() << ": " << checked.message();
}

TEST(AlertEngine, EveryAlertAndTheStateAreValidRecordsEvenWithLongEvidence) {
  // 60 bad tests to open and a window of 100: more evidence than a record may carry (50).
  AlertRules r = rules(60, 100, 2);
  r.outage_alert_minutes = 10;
  Harness h(r);
  std::vector<nlohmann::json> alerts;
  auto keep = [&](std::vector<nlohmann::json> more) {
    alerts.insert(alerts.end(), more.begin(), more.end());
  };
  for (int i = 0; i < 60; ++i) keep(h.feed("throughput", test(40)));
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0]["evidence"].size(), record::kMaxAlertEvidence);
  EXPECT_EQ(alerts[0]["measured_mbps"].size(), record::kMaxAlertEvidence);
  expectValidRecord("alert_state", h.engine.state().toJson());
  for (int i = 0; i < 2; ++i) keep(h.feed("throughput", test(120)));
  keep(h.feed(
      "event",
      {{"event", "outage_started"}, {"start", formatRfc3339Utc(h.now)}, {"class", "upstream"}}));
  keep(h.settle(h.engine.onTick(h.now + std::chrono::minutes(11))));
  expectValidRecord("alert_state", h.engine.state().toJson());
  keep(h.feed("outage", {{"start", formatRfc3339Utc(h.now)},
                         {"end", formatRfc3339Utc(h.now + std::chrono::minutes(20))},
                         {"duration_s", 1200},
                         {"class", "upstream"}}));
  keep(h.feed("daily", day("2024-05-20", 90.0)));
  keep(h.feed("daily", day("2024-05-21", 100.0)));
  ASSERT_EQ(alerts.size(), 6u);  // throughput open/close, long outage, low uptime
  for (const auto& a : alerts) {
    nlohmann::json body = a;
    for (const char* k : {"seq", "id", "journal_id", "ts"}) body.erase(k);
    expectValidRecord("alert", body);
    const auto back = record::parseAlertRecord(a);
    ASSERT_TRUE(back.has_value()) << a.dump();
    EXPECT_EQ(back->toJson(), body) << "the journal's record reads back as what was written";
  }
  EXPECT_EQ(alerts[1]["opened_alert_id"], alerts[0]["id"]);
  EXPECT_EQ(alerts[3]["opened_alert_id"], alerts[2]["id"]);
  EXPECT_EQ(alerts[3]["duration_s"], 1200);
  EXPECT_EQ(alerts[4]["coverage"], 1.0);
}

TEST(AlertEngine, AClosingAlertWithoutItsOpeningSaysSoWithNulls) {
  // The journal evicted the breach_opened record: the close cannot name it or its start.
  Harness h(rules(1, 1, 1));
  auto opened = h.feed("throughput", test(10));
  ASSERT_EQ(opened.size(), 1u);
  AlertEngine restarted(h.rules);
  std::vector<nlohmann::json> without_open;
  for (const auto& rec : h.journal.records())
    if (rec["kind"] != "alert") without_open.push_back(rec);
  // Replaying without the alert record: the breach is derived, announced again (reconciled).
  auto again = restarted.replay(without_open);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_TRUE(again[0].reconciled);
  // Now close it before the reconciling alert was journaled back.
  h.now += std::chrono::seconds(900);
  auto closes = restarted.onRecord(h.journal.add("throughput", test(120), h.now));
  ASSERT_EQ(closes.size(), 1u);
  const nlohmann::json body = closes[0].toJson();
  EXPECT_TRUE(body["opened_alert_id"].is_null());
  EXPECT_TRUE(body["since"].is_null());
  expectValidRecord("alert", body);
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
