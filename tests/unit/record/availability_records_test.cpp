#include "record/availability_records.h"

#include <gtest/gtest.h>

#include "common/time_format.h"
#include "record/record_factory.h"
#include "record/schema_validator.h"

namespace uplinkprobe::record {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

const WallTime kT0 = WallTime{} + seconds(1795867800) + milliseconds(123);

platform::ClockSyncState synced() { return {true, "kernel", 1000}; }

// The body as the journal stores it: the factory's envelope plus the journal's id and seq.
json journaled(const json& body) {
  static ManualClock clock(kT0);
  RecordFactory factory({"dev-1", "school-9"}, clock, synced, "boot-abc");
  json r = factory.make(body.at("kind").get<std::string>(), body);
  r["journal_id"] = "0123456789abcdef";
  r["seq"] = 7;
  r["id"] = "dev-1:0123456789abcdef:7";
  return r;
}

void expectValid(const json& record) {
  const auto result = SchemaSet::embedded().validate(record.at("kind").get<std::string>(), record);
  EXPECT_TRUE(result.ok()) << record.dump() << ": " << result.message();
}

AvailabilityRecord sampleAvailability() {
  AvailabilityRecord a;
  a.period_start = kT0;
  a.period_end = kT0 + seconds(300);
  a.period_s = 300;
  a.up_s = 270.5;
  a.down_s = 29.5;
  a.rounds = 30;
  a.good_rounds = 27;
  a.targets["gateway"] = {30, 0, 0.0, TargetFigures::Rtt{0.4, 0.6, 1.9}, 0.2};
  a.targets["tcp:192.0.2.1:443"] = {30, 30, 100.0, std::nullopt, std::nullopt};
  a.targets_dropped = 1;
  a.interval_s = 10;
  return a;
}

TEST(AvailabilityRecords, AvailabilityRoundTripsAndMatchesTheSchema) {
  const AvailabilityRecord a = sampleAvailability();
  const json body = a.toJson();
  EXPECT_EQ(body["period_start"], formatRfc3339Utc(kT0));
  EXPECT_TRUE(body["targets"]["tcp:192.0.2.1:443"]["rtt_ms"].is_null());
  expectValid(journaled(body));

  const auto back = parseAvailabilityRecord(journaled(body));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->period_start, kT0);  // milliseconds survive the text
  EXPECT_EQ(back->targets.at("gateway").rtt->p95_ms, 1.9);
  EXPECT_EQ(back->toJson(), body);
}

TEST(AvailabilityRecords, OutageAndItsStartRoundTripAndMatchTheSchema) {
  OutageRecord o;
  o.start = kT0;
  o.end = kT0 + seconds(95);
  o.duration_s = 95.25;
  o.outage_class = "upstream";
  o.restored = true;
  o.evidence.rounds = 10;
  o.evidence.failed_rounds = 9;
  o.evidence.rounds_by_class = {{"upstream", 9}};
  o.evidence.probes = {{"tcp:192.0.2.1:443", 9, 10, "timeout"}};
  const json body = o.toJson();
  EXPECT_EQ(body["open"], false);
  expectValid(journaled(body));
  const auto back = parseOutageRecord(journaled(body));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->toJson(), body);

  const OutageStartedEvent e{kT0, "dns", 3};
  const json event = e.toJson();
  EXPECT_EQ(event["event"], "outage_started");
  expectValid(journaled(event));
  const auto opened = parseOutageStartedEvent(journaled(event));
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(opened->toJson(), event);
  // Another event is not an outage's start, whatever it carries.
  json other = event;
  other["event"] = "test_skipped";
  EXPECT_FALSE(parseOutageStartedEvent(other).has_value());
}

TEST(AvailabilityRecords, PowerRoundTripsAndMatchesTheSchema) {
  PowerRecord p{kT0, kT0 + seconds(2520), 2520, "reboot", 300, false, false};
  const json body = p.toJson();
  EXPECT_FALSE(body.contains("clock_inconsistent"));  // the schema allows only `true`
  expectValid(journaled(body));
  EXPECT_EQ(parsePowerRecord(journaled(body))->toJson(), body);

  p.clock_inconsistent = true;
  p.clean_shutdown = true;
  p.uncertainty_s = 0;
  const json stepped = p.toJson();
  EXPECT_EQ(stepped["clock_inconsistent"], true);
  expectValid(journaled(stepped));
  EXPECT_EQ(parsePowerRecord(stepped)->toJson(), stepped);
}

TEST(AvailabilityRecords, ARecordWithoutItsTimesIsNotRead) {
  json a = sampleAvailability().toJson();
  for (const char* key : {"period_start", "period_end", "up_s", "down_s"}) {
    json broken = a;
    broken.erase(key);
    EXPECT_FALSE(parseAvailabilityRecord(broken).has_value()) << key;
  }
  json bad_time = a;
  bad_time["period_end"] = "yesterday";
  EXPECT_FALSE(parseAvailabilityRecord(bad_time).has_value());
  // The wrong kind is not read as this one, nor is anything that is not an object.
  EXPECT_FALSE(parseOutageRecord(a).has_value());
  EXPECT_FALSE(parsePowerRecord(json::array()).has_value());
  EXPECT_FALSE(parseAvailabilityRecord(json("availability")).has_value());
}

TEST(AvailabilityRecords, MistypedMembersKeepTheirDefaults) {
  json a = sampleAvailability().toJson();
  a["rounds"] = "thirty";
  a["good_rounds"] = -4;                             // a count is never negative
  a["targets"]["gateway"]["rtt_ms"] = {{"min", 1}};  // incomplete: no RTT figures
  a.erase("period_s");                               // derived from the period's times
  const auto back = parseAvailabilityRecord(a);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->rounds, 0);
  EXPECT_EQ(back->good_rounds, 0);
  EXPECT_FALSE(back->targets.at("gateway").rtt.has_value());
  EXPECT_DOUBLE_EQ(back->period_s, 300);

  json o = OutageRecord{kT0, kT0 + seconds(5), 5, "local", false, {}}.toJson();
  o.erase("class");
  o["evidence"] = "lost";
  const auto outage = parseOutageRecord(o);
  ASSERT_TRUE(outage.has_value());
  EXPECT_EQ(outage->outage_class, "");  // readers decide what a missing class shows
  EXPECT_EQ(outage->evidence.rounds, 0);
}

}  // namespace
}  // namespace uplinkprobe::record
