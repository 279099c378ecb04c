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

}  // namespace
}  // namespace uplinkprobe::verdict
