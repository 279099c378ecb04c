// A method "udp" throughput record (agent/measure/udp_capacity) is valid under the record
// contract as the collector enforces it (SchemaSet::embedded()), carries the per-direction
// figures from the sub-intervals, and is judged on its UDP IP capacity.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "agent/journal/journal.h"
#include "agent/measure/udp_capacity.h"
#include "agent/verdict/throughput_verdict.h"
#include "common/clock.h"
#include "record/record_factory.h"
#include "record/schema_validator.h"

namespace uplinkprobe {
namespace {

udpst::ClientResult twoSubIntervals() {
  udpst::ClientResult r;
  r.session.completed = true;
  for (std::uint32_t n : {900u, 1000u}) {
    udpst::SubIntervalStats s;
    s.rx_datagrams = n;
    s.rx_bytes = n * 1222ull;
    s.delta_time_us = 1000000;
    s.seq_err_loss = 10;
    s.seq_err_ooo = 1;
    s.delay_var_min = 0;
    s.delay_var_max = n / 100;
    s.delay_var_cnt = n;
    s.rtt_var_min = 1;
    s.rtt_var_max = 4;
    s.accum_time_ms = n == 900u ? 1000 : 2000;
    r.session.sub_intervals.push_back(s);
  }
  r.session.rtt_min_ms = 150;
  r.session.received_bytes = 1900 * 1222ull;
  return r;
}

TEST(UdpRecord, ValidUnderTheContractAndJudgedOnUdpCapacity) {
  measure::UdpCapacityResult result;
  result.download = measure::summarise(twoSubIntervals());
  udpst::ClientResult refused;
  refused.error = "udpst server x:1 refused the test: authentication required by the server";
  refused.error_kind = ErrorKind::kAuth;
  result.upload = measure::summarise(refused);
  measure::UdpCapacityOptions o;
  o.server_name = "lab";
  o.url = "udpst://198.18.2.2:24601";
  result.wan_interface = "eth0";
  result.nic_speed_mbps = 100;

  ASSERT_TRUE(result.download.has_value());
  EXPECT_DOUBLE_EQ(result.download->ip_capacity_mbps, 10.0);  // 1000 × 1250 B × 8 / 1 s
  EXPECT_EQ(result.download->lost, 20u);
  EXPECT_EQ(result.download->reordered, 2u);
  EXPECT_EQ(*result.download->delay_var_max_ms, 10u);

  ManualClock clock{WallTime{} + std::chrono::seconds(1795000000)};
  record::RecordFactory factory{{"dev1", "sch1"},
                                clock,
                                [] {
                                  return platform::ClockSyncState{true, "kernel", 0};
                                },
                                "boot-1"};
  auto journal = journal::makeMemoryJournal("dev1");
  auto rec = factory.make("throughput", result.toJson(o));
  rec["trigger"] = "manual";
  config::TargetConfig target;
  target.floor_down_mbps = 10;
  rec["verdict"] = verdict::judgeThroughput(rec, verdict::verdictInputsFromConfig(target, {}));
  auto stored = journal->append(rec);
  ASSERT_TRUE(stored.ok());
  auto wire = nlohmann::json::parse(stored->json);
  auto v = record::SchemaSet::embedded().validate("throughput", wire);
  EXPECT_TRUE(v.ok()) << v.message() << "\n" << wire.dump();

  EXPECT_EQ(wire["method"], "udp");
  EXPECT_TRUE(wire["download"].is_null());
  EXPECT_EQ(wire["udp"]["download"]["ip_capacity_mbps"], 10.0);
  EXPECT_EQ(wire["udp"]["download"]["sub_intervals"].size(), 2u);
  EXPECT_EQ(wire["udp"]["upload"]["error"]["kind"], "auth");
  EXPECT_EQ(wire["server"]["kind"], "udpst");
  EXPECT_EQ(wire["wan_interface"], "eth0");  // the port the asked maxBandwidth was bounded by
  EXPECT_EQ(wire["nic_speed_mbps"], 100);
  EXPECT_EQ(wire["verdict"]["measured_mbps"], 10.0);
  EXPECT_EQ(wire["verdict"]["meets_target"], true);

  // A UDP direction object with an unknown field is refused: the contract is closed.
  auto bad = wire;
  bad["udp"]["download"]["extra"] = 1;
  EXPECT_FALSE(record::SchemaSet::embedded().validate("throughput", bad).ok());
}

TEST(UdpRecord, UdpstUrls) {
  std::string host;
  std::uint16_t port = 0;
  EXPECT_TRUE(measure::parseUdpstUrl("udpst://198.18.2.2", host, port));
  EXPECT_EQ(host, "198.18.2.2");
  EXPECT_EQ(port, 24601);
  EXPECT_TRUE(measure::parseUdpstUrl("udpst://[2001:db8::1]:25000/", host, port));
  EXPECT_EQ(host, "2001:db8::1");
  EXPECT_EQ(port, 25000);
  EXPECT_FALSE(measure::parseUdpstUrl("http://x", host, port));
  EXPECT_FALSE(measure::parseUdpstUrl("udpst://x:0", host, port));
  EXPECT_FALSE(measure::parseUdpstUrl("udpst://x:99999", host, port));
  EXPECT_FALSE(measure::parseUdpstUrl("udpst://", host, port));
}

}  // namespace
}  // namespace uplinkprobe
