#include "record/alert_records.h"
#include "record/availability_records.h"
#include "record/command_answer.h"
#include "record/daily_record.h"
#include "record/gap_record.h"
#include "record/status_record.h"

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

// An id of the journal in journaled(): evidence lists must hold record ids.
std::string rid(int seq) { return "dev-1:0123456789abcdef:" + std::to_string(seq); }

TEST(AlertRecords, EachFormOfAnAlertRoundTripsAndMatchesTheSchema) {
  AlertRecord tp;
  tp.type = "throughput";
  tp.evidence = {rid(3), rid(4)};
  tp.since = kT0;
  tp.throughput = ThroughputAlertFigures{100, {61.5, 40}, BreachRule{2, 5, 3}};
  AlertRecord outage;
  outage.opened = false;
  outage.type = "availability";
  outage.cause = "long_outage";
  outage.evidence = {rid(9)};
  outage.opened_alert_id = rid(8);
  outage.long_outage =
      LongOutageFigures{"upstream", kT0, kT0 + seconds(700), 700.0, std::nullopt, std::nullopt, 10};
  AlertRecord low;
  low.type = "availability";
  low.cause = "low_uptime";
  low.reconciled = true;
  low.low_uptime = LowUptimeFigures{"2026-12-03", 97.5, 0.98, 99};
  AlertRecord bare;  // a reconciling close: no figures, nothing known of the opening
  bare.opened = false;
  bare.type = "availability";
  for (const AlertRecord* a : {&tp, &outage, &low, &bare}) {
    const json body = a->toJson();
    expectValid(journaled(body));
    const auto back = parseAlertRecord(journaled(body));
    ASSERT_TRUE(back.has_value()) << body.dump();
    EXPECT_EQ(back->toJson(), body);
    EXPECT_EQ(back->id, "dev-1:0123456789abcdef:7");
  }
  EXPECT_TRUE(bare.toJson()["opened_alert_id"].is_null());
  EXPECT_TRUE(bare.toJson()["since"].is_null());
  EXPECT_FALSE(tp.toJson().contains("opened_alert_id")) << "only a close names its opening";
  EXPECT_EQ(tp.medianMeasuredMbps(), 50.75);
  EXPECT_FALSE(low.medianMeasuredMbps().has_value());
}

TEST(AlertRecords, EvidenceNeverPassesTheSchemasBound) {
  AlertRecord a;
  a.type = "throughput";
  a.throughput = ThroughputAlertFigures{100, std::vector<double>(80, 10.0), std::nullopt};
  for (int i = 1; i <= 80; ++i) a.evidence.push_back(rid(i));
  const json body = a.toJson();
  EXPECT_EQ(body["evidence"].size(), kMaxAlertEvidence);
  EXPECT_EQ(body["evidence"].back(), rid(static_cast<int>(kMaxAlertEvidence)));  // the first ones
  EXPECT_EQ(body["measured_mbps"].size(), kMaxAlertEvidence);
  expectValid(journaled(body));
  // One more id and the collector's ingest refuses the record: the bound is the schema's.
  json over = journaled(body);
  over["evidence"].push_back(rid(51));
  EXPECT_FALSE(SchemaSet::embedded().validate("alert", over).ok());
}

TEST(AlertRecords, WhatIsNotAnAlertIsNotRead) {
  AlertRecord plain;
  plain.type = "throughput";
  const json body = plain.toJson();
  EXPECT_TRUE(parseAlertRecord(body).has_value());
  for (const char* key : {"alert", "type"}) {
    json broken = body;
    broken.erase(key);
    EXPECT_FALSE(parseAlertRecord(broken).has_value()) << key;
  }
  json other = body;
  other["alert"] = "raised";
  EXPECT_FALSE(parseAlertRecord(other).has_value());
  other = body;
  other["kind"] = "alert_state";
  EXPECT_FALSE(parseAlertRecord(other).has_value());
  // Mistyped members keep their defaults.
  json odd = body;
  odd["evidence"] = {rid(1), 7, nullptr};
  odd["since"] = "yesterday";
  odd["measured_mbps"] = "fast";
  const auto a = parseAlertRecord(odd);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->evidence, std::vector<std::string>{rid(1)});
  EXPECT_FALSE(a->since.has_value());
}

TEST(AlertRecords, TheStateRoundTripsAndMatchesTheSchema) {
  AlertState s;
  s.breaches.push_back({"throughput", rid(5), kT0, {rid(2), rid(4)}});
  s.breaches.push_back({"availability", std::nullopt, std::nullopt, {rid(6)}});
  s.as_of_seq = 6;
  s.throughput_open = true;
  s.target_mbps = 100;
  s.window = {{rid(2), false}, {rid(3), true}, {rid(4), false}};
  s.bad_in_window = 2;
  s.rule = {2, 3, 3};
  s.availability_open = true;
  s.open_outage = AlertState::OpenOutage{kT0, "dns", rid(6)};
  s.long_outage = true;
  s.low_uptime_day = "2026-12-02";
  s.outage_alert_minutes = 10;
  s.min_daily_uptime_pct = 99;
  const json body = s.toJson();
  EXPECT_EQ(body["open"], true);
  expectValid(journaled(body));
  const auto back = parseAlertState(journaled(body));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, s);

  const json none = AlertState{}.toJson();
  EXPECT_EQ(none["open"], false);
  EXPECT_TRUE(none["availability"]["open_outage"].is_null());
  expectValid(journaled(none));
  EXPECT_FALSE(parseAlertState(json{{"kind", "alert_state"}}).has_value()) << "no breaches list";
}

TEST(GapRecord, RoundTripsMatchesTheSchemaAndNeedsItsRange) {
  const GapRecord g{41, 57, 17, "storage_full"};
  const json body = g.toJson();
  expectValid(journaled(body));
  const auto back = parseGapRecord(journaled(body));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->toJson(), body);
  for (const char* key : {"first_seq", "last_seq", "count"}) {
    json broken = body;
    broken.erase(key);
    EXPECT_FALSE(parseGapRecord(broken).has_value()) << key;
  }
  json backwards = body;
  backwards["first_seq"] = 60;
  EXPECT_FALSE(parseGapRecord(backwards).has_value());
  json negative = body;
  negative["count"] = -3;
  EXPECT_FALSE(parseGapRecord(negative).has_value());
}

TEST(StatusRecord, OnlineAndTheLastWillMatchTheSchemaAndRoundTrip) {
  StatusRecord online;
  online.device_id = "dev-1";
  online.school_id = "school-9";
  online.school_name = "第一中学";
  online.county = "城关区";
  online.agent_version = "0.9.0";
  online.started_at = "2026-12-03T08:00:00.000Z";
  online.config_hash = "sha256:00ff";
  online.ts = kT0;
  StatusRecord will = online;  // the broker sends it later: no time of its own
  will.online = false;
  will.reason = "lwt";
  will.ts.reset();
  for (const StatusRecord* s : {&online, &will}) {
    const json j = s->toJson();
    expectValid(j);  // not journaled: the message is the whole record
    const auto back = parseStatusRecord(j);
    ASSERT_TRUE(back.has_value()) << j.dump();
    EXPECT_EQ(back->toJson(), j);
  }
  EXPECT_FALSE(online.toJson().contains("reason"));
  EXPECT_FALSE(online.toJson().contains("region")) << "an empty identity field is left out";
  EXPECT_FALSE(will.toJson().contains("ts"));
  json nameless = online.toJson();
  nameless.erase("device_id");
  EXPECT_FALSE(parseStatusRecord(nameless).has_value());
  json unknown = online.toJson();
  unknown["state"] = "sleeping";
  EXPECT_FALSE(parseStatusRecord(unknown).has_value());
}

TEST(CommandAnswer, DoneAndRefusedMatchTheSchemaAndReadBack) {
  CommandAnswer done;
  done.done = true;
  done.command_id = "cmd-20261203-0001";
  done.verb = "run_test";
  done.key_id = "0123456789abcdef";
  done.issuer_seq = 42;
  done.result = {{"record_id", rid(9)}, {"event", "not mine"}, {"verb", "not mine"}};
  const json d = done.toJson();
  EXPECT_EQ(d["event"], "command_done");
  EXPECT_EQ(d["verb"], "run_test") << "a verb's result cannot overwrite the answer's members";
  expectValid(journaled(d));
  const auto back = parseCommandAnswer(journaled(d));
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(back->done);
  EXPECT_EQ(back->result, (json{{"record_id", rid(9)}})) << "the envelope is not a result";
  EXPECT_EQ(back->toJson(), d);

  // A refusal whose detail is longer than the schema allows, in Chinese (3 bytes a
  // character): cut within 512 bytes and never inside a character.
  CommandAnswer refused;
  refused.command_id = "cmd-20261203-0002";
  refused.verb = "set_config";
  refused.key_id = "0123456789abcdef";
  refused.issuer_seq = 43;
  refused.reason = "invalid_arguments";
  for (int i = 0; i < 300; ++i) refused.detail += "参";
  refused.suppressed = 3;
  const json r = refused.toJson();
  const std::string detail = r["detail"].get<std::string>();
  EXPECT_EQ(detail.size(), 510u);  // 170 whole characters
  EXPECT_EQ(detail, refused.detail.substr(0, 510));
  expectValid(journaled(r));
  const auto again = parseCommandAnswer(journaled(r));
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->done);
  EXPECT_EQ(again->reason, "invalid_arguments");
  EXPECT_EQ(again->suppressed, 3u);

  // Junk that could not be read as a command: no id, no verb — still a valid answer.
  CommandAnswer junk;
  junk.reason = "malformed";
  junk.detail = "not JSON";
  const json j = junk.toJson();
  EXPECT_FALSE(j.contains("command_id"));
  expectValid(journaled(j));
  EXPECT_FALSE(parseCommandAnswer(json{{"kind", "event"}, {"event", "agent_started"}}));
}

}  // namespace
}  // namespace uplinkprobe::record
