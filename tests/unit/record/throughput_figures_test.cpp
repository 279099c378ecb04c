// One reader of a throughput record's IP capacity for both methods (record/throughput_figures.h).
#include "record/throughput_figures.h"

#include <gtest/gtest.h>

namespace uplinkprobe::record {
namespace {

using nlohmann::json;

TEST(ThroughputFigures, TcpRecordsReadDownloadAndUpload) {
  const json tcp = {{"method", "tcp"},
                    {"download", {{"ip_capacity_mbps", 97.3}, {"error", nullptr}}},
                    {"upload", {{"ip_capacity_mbps", 31.5}, {"error", nullptr}}}};
  EXPECT_EQ(ipCapacityMbps(tcp, "download"), 97.3);
  EXPECT_EQ(ipCapacityMbps(tcp, "upload"), 31.5);
  EXPECT_EQ(capacityDirection(tcp, "download"), &tcp["download"]);
  // An older agent's record has no `method`: TCP.
  json old = tcp;
  old.erase("method");
  EXPECT_EQ(ipCapacityMbps(old, "download"), 97.3);
}

TEST(ThroughputFigures, UdpRecordsReadTheirUdpObject) {
  const json udp = {
      {"method", "udp"},
      {"download", nullptr},
      {"upload", nullptr},
      {"udp",
       {{"download", {{"ip_capacity_mbps", 48.5}, {"error", nullptr}}}, {"upload", nullptr}}}};
  EXPECT_EQ(ipCapacityMbps(udp, "download"), 48.5);
  EXPECT_EQ(capacityDirection(udp, "download"), &udp["udp"]["download"]);
  EXPECT_EQ(ipCapacityMbps(udp, "upload"), std::nullopt);  // not measured
  EXPECT_EQ(capacityDirection(udp, "upload"), nullptr);
  // A udp record's TCP fields never stand in for it.
  json odd = udp;
  odd["download"] = {{"ip_capacity_mbps", 90.0}};
  odd.erase("udp");
  EXPECT_EQ(ipCapacityMbps(odd, "download"), std::nullopt);
}

TEST(ThroughputFigures, MissingOrMistypedFieldsGiveNothing) {
  EXPECT_EQ(ipCapacityMbps(json::array(), "download"), std::nullopt);
  EXPECT_EQ(ipCapacityMbps(json::object(), "download"), std::nullopt);
  EXPECT_EQ(ipCapacityMbps(json{{"download", {{"ip_capacity_mbps", "97"}}}}, "download"),
            std::nullopt);
  EXPECT_EQ(ipCapacityMbps(json{{"download", nullptr}}, "download"), std::nullopt);
  // A direction that failed may still carry a figure; judging it is the caller's business.
  EXPECT_EQ(
      ipCapacityMbps(json{{"download", {{"ip_capacity_mbps", 0}, {"error", {{"kind", "x"}}}}}},
                     "download"),
      0.0);
}

}  // namespace
}  // namespace uplinkprobe::record
