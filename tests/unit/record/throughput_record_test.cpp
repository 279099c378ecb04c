// The typed throughput record (record/throughput_record.h): one parser for both methods, and
// the verdict's one serializer.
#include "record/throughput_record.h"

#include <gtest/gtest.h>

#include "record/embedded_files.h"
#include "record/schema_validator.h"

namespace uplinkprobe::record {
namespace {

using nlohmann::json;

TEST(ThroughputRecord, TcpRecordsReadDownloadAndUpload) {
  const json tcp = {
      {"method", "tcp"},
      {"id", "j1-7"},
      {"ts", "2026-12-03T10:00:00.000Z"},
      {"error", nullptr},
      {"bytes_total", 61000000},
      {"cross_traffic_mbps", 0.4},
      {"latency", {{"idle_ms", 12.5}, {"loaded_ms", 40.0}}},
      {"download", {{"ip_capacity_mbps", 97.3}, {"goodput_mbps", 93.0}, {"error", nullptr}}},
      {"upload", {{"ip_capacity_mbps", 31.5}, {"error", nullptr}}}};
  const ThroughputRecord r = parseThroughputRecord(tcp);
  EXPECT_EQ(r.method, "tcp");
  EXPECT_EQ(r.id, "j1-7");
  EXPECT_FALSE(r.failed);
  EXPECT_EQ(r.bytes_total, 61000000u);
  EXPECT_EQ(r.cross_traffic_mbps, 0.4);
  EXPECT_EQ(r.idle_latency_ms, 12.5);
  EXPECT_EQ(r.loaded_latency_ms, 40.0);
  EXPECT_EQ(r.capacity("download"), 97.3);
  EXPECT_EQ(r.capacity("upload"), 31.5);
  EXPECT_EQ(r.direction("download")->goodput_mbps, 93.0);
  EXPECT_EQ(r.direction("upload")->goodput_mbps, std::nullopt);
  EXPECT_EQ(r.direction("sideways"), nullptr);
  EXPECT_FALSE(r.verdict.has_value());
  // An older agent's record has no `method`: TCP.
  json old = tcp;
  old.erase("method");
  EXPECT_EQ(parseThroughputRecord(old).method, "tcp");
  EXPECT_EQ(parseThroughputRecord(old).capacity("download"), 97.3);
}

TEST(ThroughputRecord, UdpRecordsReadTheirUdpObject) {
  const json udp = {
      {"method", "udp"},
      {"download", nullptr},
      {"upload", nullptr},
      {"udp",
       {{"download", {{"ip_capacity_mbps", 48.5}, {"error", nullptr}}}, {"upload", nullptr}}}};
  const ThroughputRecord r = parseThroughputRecord(udp);
  EXPECT_EQ(r.method, "udp");
  EXPECT_EQ(r.capacity("download"), 48.5);
  EXPECT_EQ(r.capacity("upload"), std::nullopt);  // not measured
  EXPECT_EQ(r.direction("upload"), nullptr);
  // A udp record's TCP fields never stand in for it.
  json odd = udp;
  odd["download"] = {{"ip_capacity_mbps", 90.0}};
  odd.erase("udp");
  EXPECT_EQ(parseThroughputRecord(odd).capacity("download"), std::nullopt);
}

TEST(ThroughputRecord, MissingOrMistypedFieldsGiveNothing) {
  EXPECT_EQ(parseThroughputRecord(json::array()).capacity("download"), std::nullopt);
  EXPECT_EQ(parseThroughputRecord(json::object()).capacity("download"), std::nullopt);
  EXPECT_EQ(
      parseThroughputRecord(json{{"download", {{"ip_capacity_mbps", "97"}}}}).capacity("download"),
      std::nullopt);
  EXPECT_EQ(parseThroughputRecord(json{{"download", nullptr}}).capacity("download"), std::nullopt);
  // Mistyped members that the old readers' json::value() would have thrown on.
  const ThroughputRecord odd = parseThroughputRecord(json{{"method", 3},
                                                          {"client_limited", "yes"},
                                                          {"bytes_total", -5},
                                                          {"verdict", {{"counted", "true"}}}});
  EXPECT_EQ(odd.method, "tcp");
  EXPECT_FALSE(odd.client_limited);
  EXPECT_EQ(odd.bytes_total, std::nullopt);
  ASSERT_TRUE(odd.verdict.has_value());
  EXPECT_FALSE(odd.verdict->counted);
  // A direction that failed may still carry a figure: capacity() shows it, judgedCapacity()
  // (what a verdict judges) does not.
  const ThroughputRecord failed = parseThroughputRecord(
      json{{"download", {{"ip_capacity_mbps", 0}, {"error", {{"kind", "x"}}}}}});
  EXPECT_EQ(failed.capacity("download"), 0.0);
  EXPECT_EQ(failed.judgedCapacity("download"), std::nullopt);
  EXPECT_TRUE(failed.direction("download")->failed);
}

TEST(ThroughputRecord, VerdictRoundTripsAndMatchesTheSchema) {
  Verdict v;
  v.target_mbps = 100;
  v.tolerance_pct = 5;
  v.measured_mbps = 93.1;
  v.meets_target = false;
  v.counted = true;
  const json j = v.toJson();
  EXPECT_EQ(j["basis"], "ip_capacity_mbps");
  EXPECT_FALSE(j.contains("up_target_mbps"));  // no upload target: no upload members
  EXPECT_EQ(Verdict::fromJson(j)->toJson(), j);
  EXPECT_EQ(v.countedMeetsTarget(), false);

  Verdict up = v;
  up.measured_mbps.reset();
  up.meets_target.reset();
  up.up_target_mbps = 30;
  up.up_measured_mbps = 31.0;
  up.up_meets_target = true;
  up.counted = false;
  up.unfair_reasons = {"no_download_result"};
  const json k = up.toJson();
  EXPECT_TRUE(k["measured_mbps"].is_null());
  EXPECT_TRUE(k["meets_target"].is_null());
  EXPECT_EQ(k["up_meets_target"], true);
  EXPECT_EQ(Verdict::fromJson(k)->toJson(), k);
  EXPECT_EQ(up.countedMeetsTarget(), std::nullopt);  // not counted: nothing to count
  EXPECT_FALSE(Verdict::fromJson(json("verdict")).has_value());

  // Both shapes are valid `verdict` objects of the record contract: the embedded schemas
  // plus one document that points at throughput.json's `verdict`.
  std::vector<SchemaSet::Document> docs;
  for (std::size_t i = 0; i < detail::kEmbeddedSchemaCount; ++i) {
    const auto& f = detail::kEmbeddedSchemas[i];
    docs.push_back({f.name, std::string(reinterpret_cast<const char*>(f.data), f.size)});
  }
  docs.push_back(
      {"verdict_only.json", R"({"$ref": "throughput.json#/allOf/1/properties/verdict"})"});
  auto schemas = SchemaSet::load(docs);
  ASSERT_TRUE(schemas.ok()) << schemas.error().message;
  for (const json& verdict : {j, k}) {
    const auto result = schemas->validateDocument("verdict_only.json", verdict);
    EXPECT_TRUE(result.ok()) << verdict.dump() << ": " << result.message();
  }
  // The check can fail: a verdict without `counted` is not one.
  json broken = j;
  broken.erase("counted");
  EXPECT_FALSE(schemas->validateDocument("verdict_only.json", broken).ok());
}

}  // namespace
}  // namespace uplinkprobe::record
