// docs/schema/*.json checked against records as the agent really produces them (record
// factory + journal + each module's own serialiser), plus negative cases so the checker is
// known to bite.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "agent/availability/period_stats.h"
#include "agent/journal/journal.h"
#include "agent/measure/throughput_result.h"
#include "agent/publish/status_message.h"
#include "record/record_factory.h"
#include "tests/unit/publish/json_schema_check.h"

namespace uplinkprobe::publish {
namespace {

class RecordSchemaTest : public ::testing::Test {
 protected:
  nlohmann::json journaled(const std::string& kind, nlohmann::json body) {
    auto r = journal->append(factory.make(kind, std::move(body)));
    EXPECT_TRUE(r.ok());
    return nlohmann::json::parse(r->json);
  }
  void expectValid(const nlohmann::json& rec, const std::string& file) {
    auto errs = checker.check(rec, file);
    for (const auto& e : errs) ADD_FAILURE() << file << ": " << e << "\n  record: " << rec.dump();
  }

  testing::SchemaChecker checker{std::string(UPLINKPROBE_SOURCE_DIR) + "/docs/schema"};
  ManualClock clock{WallTime{} + std::chrono::seconds(1795000000)};
  record::RecordFactory factory{{"dev1", "sch1"},
                                clock,
                                [] {
                                  return platform::ClockSyncState{true, "kernel", 0};
                                },
                                "boot-1"};
  std::unique_ptr<journal::Journal> journal = journal::makeMemoryJournal("dev1");
};

TEST_F(RecordSchemaTest, ThroughputFromTheMeasureSerialiser) {
  measure::ThroughputResult r;
  measure::DirectionResult d;
  d.goodput_mbps = 94.1;
  d.ip_capacity_mbps = 97.3;
  d.bytes = 120000000;
  d.duration_s = 6.2;
  d.streams = 6;
  d.stop_reason = "stable";
  r.download = d;
  r.idle_latency_ms = 12.5;
  auto body = r.toJson();
  body["verdict"] = {{"target_mbps", 100}, {"meets_target", false}};
  expectValid(journaled("throughput", body), "throughput.json");
}

TEST_F(RecordSchemaTest, AvailabilityFromPeriodStats) {
  availability::PeriodStats ps(clock.steadyNow(), clock.wallNow());
  clock.advance(std::chrono::minutes(5));
  expectValid(
      journaled("availability", ps.finish(clock.steadyNow(), clock.wallNow(), std::nullopt)),
      "availability.json");
}

TEST_F(RecordSchemaTest, OtherKinds) {
  expectValid(journaled("outage", {{"start", "2026-11-28T08:00:00+08:00"},
                                   {"end", "2026-11-28T08:05:00+08:00"},
                                   {"duration_s", 300.0},
                                   {"class", "upstream"},
                                   {"evidence", nlohmann::json::object()}}),
              "outage.json");
  expectValid(journaled("power", {{"start", "2026-11-28T08:00:00+08:00"},
                                  {"end", "2026-11-28T09:00:00+08:00"},
                                  {"duration_s", 3600.0},
                                  {"cause", "reboot"},
                                  {"uncertainty_s", 300},
                                  {"clean_shutdown", false}}),
              "power.json");
  expectValid(journaled("event", {{"event", "outage_started"}}), "event.json");
  expectValid(
      journaled("gap",
                {{"first_seq", 3}, {"last_seq", 4}, {"count", 2}, {"reason", "storage_full"}}),
      "gap.json");
  expectValid(journaled("alert", {{"alert", "below_target"}, {"state", "raised"}}), "alert.json");
  expectValid(journaled("daily", {{"date", "2026-11-28"}, {"uptime_pct", 99.5}, {"tests", 4}}),
              "daily.json");
}

TEST_F(RecordSchemaTest, StatusPayloads) {
  StatusInfo info{"dev1", "sch1", "School", "Jilin", "", "", "0.1.0", "2026-11-28T08:00:00+08:00",
                  "abc"};
  expectValid(nlohmann::json::parse(statusOnlineJson(info, clock.wallNow())), "status.json");
  expectValid(nlohmann::json::parse(statusOfflineJson(info, "lwt", clock.wallNow())),
              "status.json");
}

TEST_F(RecordSchemaTest, CheckerRejectsBrokenRecords) {
  auto rec = journaled("outage", {{"start", "2026-11-28T08:00:00+08:00"},
                                  {"end", "2026-11-28T08:05:00+08:00"},
                                  {"duration_s", 300.0},
                                  {"class", "upstream"},
                                  {"evidence", nlohmann::json::object()}});
  auto bad = rec;
  bad.erase("seq");
  EXPECT_FALSE(checker.check(bad, "outage.json").empty());
  bad = rec;
  bad["class"] = "cosmic";
  EXPECT_FALSE(checker.check(bad, "outage.json").empty());
  bad = rec;
  bad["ts"] = "yesterday";
  EXPECT_FALSE(checker.check(bad, "outage.json").empty());
  bad = rec;
  bad["duration_s"] = -1;
  EXPECT_FALSE(checker.check(bad, "outage.json").empty());
  EXPECT_FALSE(checker.check({{"state", "maybe"}}, "status.json").empty());
}

}  // namespace
}  // namespace uplinkprobe::publish
