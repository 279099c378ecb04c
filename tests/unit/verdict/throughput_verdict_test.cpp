#include "agent/verdict/throughput_verdict.h"

#include <gtest/gtest.h>

namespace uplinkprobe::verdict {
namespace {

nlohmann::json result(double down_cap, double up_cap, double cross = 0, bool client = false) {
  return {
      {"download",
       {{"goodput_mbps", down_cap * 0.956}, {"ip_capacity_mbps", down_cap}, {"error", nullptr}}},
      {"upload",
       {{"goodput_mbps", up_cap * 0.956}, {"ip_capacity_mbps", up_cap}, {"error", nullptr}}},
      {"cross_traffic_mbps", cross},
      {"client_limited", client},
      {"error", nullptr}};
}

TEST(ThroughputVerdict, HonestHundredMbpsLinkMeetsTheFloor) {
  // 95.6 Mbps goodput on a 100 Mbps line is 100 Mbps of IP capacity: it must pass.
  config::TargetConfig t;  // floor 100, tolerance 5
  auto v = judgeThroughput(result(99.9, 50), verdictInputsFromConfig(t, std::nullopt));
  EXPECT_EQ(v["target_mbps"], 100);
  EXPECT_EQ(v["meets_target"], true);
  EXPECT_EQ(v["counted"], true);
}

TEST(ThroughputVerdict, ContractAboveFloorIsTheTargetAndToleranceApplies) {
  config::TargetConfig t;
  t.contracted_down_mbps = 200;
  t.tolerance_pct = 5;
  auto in = verdictInputsFromConfig(t, std::nullopt);
  EXPECT_EQ(judgeThroughput(result(190.5, 50), in)["meets_target"], true);
  EXPECT_EQ(judgeThroughput(result(189.5, 50), in)["meets_target"], false);
  EXPECT_EQ(judgeThroughput(result(150, 50), verdictInputsFromConfig(t, 120.0))["meets_target"],
            true);
}

TEST(ThroughputVerdict, UnfairResultsAreMarkedNotCounted) {
  config::TargetConfig t;
  auto in = verdictInputsFromConfig(t, std::nullopt);
  auto v = judgeThroughput(result(60, 50, /*cross=*/20), in);
  EXPECT_EQ(v["meets_target"], false);
  EXPECT_EQ(v["counted"], false);
  EXPECT_EQ(v["unfair_reasons"][0], "cross_traffic");
  v = judgeThroughput(result(60, 50, 0, /*client=*/true), in);
  EXPECT_EQ(v["counted"], false);
  auto failed = result(0, 0);
  failed["download"]["error"] = {{"kind", "connect"}, {"message", "refused"}};
  failed["error"] = {{"kind", "connect"}, {"message", "refused"}};
  v = judgeThroughput(failed, in);
  EXPECT_TRUE(v["meets_target"].is_null());
  EXPECT_EQ(v["counted"], false);
}

TEST(ThroughputVerdict, UploadJudgedOnlyWithAContract) {
  config::TargetConfig t;
  auto v = judgeThroughput(result(100, 10), verdictInputsFromConfig(t, std::nullopt));
  EXPECT_FALSE(v.contains("up_meets_target"));
  t.contracted_up_mbps = 50;
  v = judgeThroughput(result(100, 10), verdictInputsFromConfig(t, std::nullopt));
  EXPECT_EQ(v["up_meets_target"], false);
}

// A method "udp" record: TCP's directions null, the IP capacity in `udp`.
nlohmann::json udpResult(double down_cap, double up_cap) {
  auto dir = [](double cap) {
    return nlohmann::json{{"ip_capacity_mbps", cap}, {"loss_pct", 0.1}, {"error", nullptr}};
  };
  return {
      {"method", "udp"},         {"download", nullptr},
      {"upload", nullptr},       {"udp", {{"download", dir(down_cap)}, {"upload", dir(up_cap)}}},
      {"cross_traffic_mbps", 0}, {"client_limited", false},
      {"error", nullptr}};
}

// [target] method names the evidence that counts: a record of the other method is judged
// (measured, meets_target) but not counted, so it never opens or closes a breach.
TEST(ThroughputVerdict, OnlyTheTargetsMethodCounts) {
  config::TargetConfig t;
  t.floor_down_mbps = 50;
  t.contracted_up_mbps = 10;
  struct Case {
    const char* method;
    bool tcp_counted, udp_counted;
  };
  for (const Case c :
       {Case{"tcp", true, false}, Case{"udp", false, true}, Case{"both", true, true}}) {
    t.method = c.method;
    const auto in = verdictInputsFromConfig(t, std::nullopt);
    EXPECT_EQ(in.method, c.method);
    auto tcp = judgeThroughput(result(60, 12), in);
    auto udp = judgeThroughput(udpResult(48, 11), in);
    EXPECT_EQ(tcp["counted"], c.tcp_counted) << c.method;
    EXPECT_EQ(udp["counted"], c.udp_counted) << c.method;
    EXPECT_EQ(tcp["unfair_reasons"].size(), c.tcp_counted ? 0u : 1u) << c.method;
    if (!c.tcp_counted) {
      EXPECT_EQ(tcp["unfair_reasons"][0], "method_not_target");
    }
    if (!c.udp_counted) {
      EXPECT_EQ(udp["unfair_reasons"][0], "method_not_target");
    }
    // Judged all the same: the figure and the comparison stay in the record.
    EXPECT_EQ(tcp["measured_mbps"], 60);
    EXPECT_EQ(udp["measured_mbps"], 48);
    EXPECT_EQ(udp["meets_target"], true);
    EXPECT_EQ(udp["up_measured_mbps"], 11);
  }
  // A record without `method` is an older agent's TCP record.
  t.method = "udp";
  auto old = result(60, 12);
  EXPECT_FALSE(old.contains("method"));
  EXPECT_EQ(judgeThroughput(old, verdictInputsFromConfig(t, std::nullopt))["unfair_reasons"][0],
            "method_not_target");
}

// Other reasons stay beside it: a failed UDP test under a TCP target names both.
TEST(ThroughputVerdict, MethodNotTargetJoinsTheOtherReasons) {
  config::TargetConfig t;
  auto failed = udpResult(0, 0);
  failed["udp"]["download"]["error"] = {{"kind", "auth"}, {"message", "refused"}};
  failed["error"] = {{"kind", "auth"}, {"message", "refused"}};
  auto v = judgeThroughput(failed, verdictInputsFromConfig(t, std::nullopt));
  EXPECT_EQ(v["counted"], false);
  EXPECT_EQ(v["unfair_reasons"], nlohmann::json::array({"error", "method_not_target"}));
}

}  // namespace
}  // namespace uplinkprobe::verdict
