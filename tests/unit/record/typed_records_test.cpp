#include "record/availability_records.h"
#include "record/daily_record.h"

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

// The typed records of record/availability_records.h and record/daily_record.h: each
// serializer's output is a valid record of its kind, each parser reads it back exactly, and
// the parsers are tolerant the way their readers need.

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

DailyRecord sampleDay() {
  DailyRecord d;
  d.date = "2026-12-02";
  d.day_start = kT0;
  d.day_end = kT0 + std::chrono::hours(24);
  d.until = d.day_end - std::chrono::hours(1);  // as `uplinkprobe report` shows today
  d.complete = false;
  d.tests = {8, 6, 1, 1, 0};
  d.download.ip_capacity_mbps = DailyDistribution{96.1, 91.2, 90.4, 97.0, 6};
  d.download.goodput_mbps = DailyDistribution{93.0, 88.3, 87.5, 93.9, 6};
  d.upload.ip_capacity_mbps = DailyDistribution{48.2, 47.1, 47.0, 48.5, 6};
  d.idle_ms_median = 12.5;
  d.uptime_pct = 99.31;
  d.up_s = 85800;
  d.down_s = 600;
  d.coverage = 1;
  d.outages = {2, 600};
  d.outages_by_class = {{"upstream", {1, 540}}, {"dns", {1, 60}}};
  d.power_off_s = 0;
  d.bytes_tests = 512000000;
  d.verdict = {100, 5, 96.1, true};
  return d;
}

TEST(DailyRecord, RoundTripsAndMatchesTheSchema) {
  const DailyRecord d = sampleDay();
  const json body = d.toJson();
  EXPECT_TRUE(body["upload"]["goodput_mbps"].is_null());  // no counted upload goodput
  EXPECT_TRUE(body["latency"]["loaded_ms_median"].is_null());
  EXPECT_EQ(body["verdict"]["basis"], DailyRecord::kVerdictBasis);
  expectValid(journaled(body));
  const auto back = parseDailyRecord(journaled(body));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->toJson(), body);

  DailyRecord empty;  // a day with nothing observed: nulls where the schema allows them
  empty.date = "2026-12-03";
  empty.day_start = empty.until = kT0;
  empty.day_end = kT0 + std::chrono::hours(24);
  const json none = empty.toJson();
  EXPECT_TRUE(none["uptime_pct"].is_null());
  EXPECT_TRUE(none["verdict"]["meets_target"].is_null());
  expectValid(journaled(none));
  EXPECT_EQ(parseDailyRecord(none)->toJson(), none);
}

TEST(DailyRecord, ADayWithoutItsDateOrBoundsIsNotRead) {
  const json body = sampleDay().toJson();
  for (const char* key : {"date", "day_start", "day_end"}) {
    json broken = body;
    broken.erase(key);
    EXPECT_FALSE(parseDailyRecord(broken).has_value()) << key;
  }
  json other = body;
  other["kind"] = "availability";
  EXPECT_FALSE(parseDailyRecord(other).has_value());
  // What a reader can do without keeps its default; a distribution without its median is
  // no distribution.
  json sparse = body;
  sparse.erase("tests");
  sparse.erase("until");
  sparse["download"]["ip_capacity_mbps"].erase("median");
  sparse["uptime_pct"] = "high";
  const auto d = parseDailyRecord(sparse);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->tests.run, 0);
  EXPECT_FALSE(d->download.ip_capacity_mbps.has_value());
  EXPECT_FALSE(d->uptime_pct.has_value());
  EXPECT_EQ(d->until, d->day_end);  // no `until`: the whole day
}

}  // namespace
}  // namespace uplinkprobe::record
