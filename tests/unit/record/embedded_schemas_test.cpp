// docs/schema as the collector will enforce it (SchemaSet::embedded(), the C++ validator)
// agrees with the agent's producers on records they really make: record factory + journal
// + each module's serialiser. The full contract, over every kind produced by the real
// programs and with python3-jsonschema as the reference, is
// tests/integration/schema/record_schema_test.py.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "agent/availability/period_stats.h"
#include "agent/journal/journal.h"
#include "agent/measure/throughput_result.h"
#include "agent/publish/status_message.h"
#include "record/record_factory.h"
#include "record/schema_validator.h"

namespace uplinkprobe::record {
namespace {

class EmbeddedSchemas : public ::testing::Test {
 protected:
  nlohmann::json journaled(const std::string& kind, nlohmann::json body) {
    auto r = journal->append(factory.make(kind, std::move(body)));
    EXPECT_TRUE(r.ok());
    return nlohmann::json::parse(r->json);
  }
  void expectValid(const std::string& kind, const nlohmann::json& rec) {
    auto v = SchemaSet::embedded().validate(kind, rec);
    EXPECT_TRUE(v.ok()) << kind << ": " << v.message() << "\n  record: " << rec.dump();
  }

  ManualClock clock{WallTime{} + std::chrono::seconds(1795000000)};
  RecordFactory factory{{"dev1", "sch1"},
                        clock,
                        [] {
                          return platform::ClockSyncState{true, "kernel", 0};
                        },
                        "boot-1"};
  std::unique_ptr<journal::Journal> journal = journal::makeMemoryJournal("dev1");
};

TEST_F(EmbeddedSchemas, EveryKindHasASchema) {
  for (const char* kind : {"throughput", "availability", "outage", "power", "daily", "alert",
                           "alert_state", "event", "status", "gap"})
    EXPECT_TRUE(SchemaSet::embedded().contains(std::string(kind) + ".json")) << kind;
  EXPECT_TRUE(SchemaSet::embedded().contains("envelope.json"));
}

TEST_F(EmbeddedSchemas, ThroughputFromTheMeasureSerialiser) {
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
  body["trigger"] = "scheduled";
  body["verdict"] = {{"basis", "ip_capacity_mbps"},
                     {"target_mbps", 100},
                     {"tolerance_pct", 5},
                     {"measured_mbps", 97.3},
                     {"meets_target", true},
                     {"counted", true},
                     {"unfair_reasons", nlohmann::json::array()}};
  auto rec = journaled("throughput", body);
  expectValid("throughput", rec);
  EXPECT_EQ(rec["ts"], "2026-11-18T11:06:40.000Z");  // UTC on the wire

  auto renamed = rec;
  renamed["latency"]["idle_msec"] = renamed["latency"]["idle_ms"];
  renamed["latency"].erase("idle_ms");
  EXPECT_FALSE(SchemaSet::embedded().validate("throughput", renamed).ok());
  auto local = rec;
  local["ts"] = "2026-11-18T19:06:40.000+08:00";
  EXPECT_FALSE(SchemaSet::embedded().validate("throughput", local).ok());
  auto old_id = rec;
  old_id["id"] = "dev1:1";
  EXPECT_FALSE(SchemaSet::embedded().validate("throughput", old_id).ok());
}

TEST_F(EmbeddedSchemas, AvailabilityFromPeriodStats) {
  availability::PeriodStats ps(clock.steadyNow(), clock.wallNow());
  clock.advance(std::chrono::minutes(5));
  auto rec = ps.finish(clock.steadyNow(), clock.wallNow(), std::nullopt);
  rec.interval_s = 10.0;  // set by AvailabilityMonitor, which owns the round interval
  expectValid("availability", journaled("availability", rec.toJson()));
}

TEST_F(EmbeddedSchemas, StatusPayloads) {
  publish::StatusInfo info{
      {"dev1", "sch1", "School", "Jilin", "", ""}, "0.1.0", "2026-11-28T00:00:00.000Z", "abc"};
  expectValid("status", nlohmann::json::parse(publish::statusOnlineJson(info, clock.wallNow())));
  expectValid("status",
              nlohmann::json::parse(publish::statusOfflineJson(info, "lwt", clock.wallNow())));
}

}  // namespace
}  // namespace uplinkprobe::record
