// Capacity maths, latency statistics, link context, endpoints and JSON field names.
#include <gtest/gtest.h>

#include "agent/measure/capacity.h"
#include "agent/measure/latency_stats.h"
#include "agent/measure/link_context.h"
#include "agent/measure/server_endpoints.h"
#include "agent/measure/throughput_result.h"

namespace uplinkprobe::measure {
namespace {

// A server as the config gives it; LibreSpeed's own paths (dl_url …) stay at their defaults.
ServerSpec spec(std::string name, std::string kind, std::string url, std::string download_url,
                std::string upload_url) {
  ServerSpec s;
  s.name = std::move(name);
  s.kind = std::move(kind);
  s.url = std::move(url);
  s.download_url = std::move(download_url);
  s.upload_url = std::move(upload_url);
  return s;
}

TEST(Capacity, HeaderOverheadFromMss) {
  SegmentShape v4{1448, true, 4};
  EXPECT_EQ(headerBytes(v4), 52);
  EXPECT_NEAR(ipCapacityBps(95.64e6, v4), 95.64e6 * 1500 / 1448, 1);
  SegmentShape v6{1428, true, 6};
  EXPECT_EQ(headerBytes(v6), 72);
  SegmentShape no_ts{1460, false, 4};
  EXPECT_EQ(headerBytes(no_ts), 40);
  EXPECT_DOUBLE_EQ(ipCapacityBps(10e6, SegmentShape{0, true, 4}), 10e6);  // unknown MSS
}

TEST(Capacity, ClampedToNicCeiling) {
  SegmentShape v4{1448, true, 4};
  auto ceiling = payloadCeilingBps(100, v4);
  ASSERT_TRUE(ceiling.has_value());
  EXPECT_NEAR(*ceiling, 100e6 * 1448 / 1538, 1);
  auto f = capacityFigures(120e6, 130e6, v4, 100);
  EXPECT_TRUE(f.clamped);
  EXPECT_NEAR(f.goodput_bps, *ceiling, 1);
  EXPECT_NEAR(f.peak_bps, *ceiling, 1);
  EXPECT_LE(f.ip_capacity_bps, 100e6);
  auto g = capacityFigures(90e6, 91e6, v4, std::nullopt);
  EXPECT_FALSE(g.clamped);
  EXPECT_DOUBLE_EQ(g.goodput_bps, 90e6);
  EXPECT_GE(g.peak_bps, g.goodput_bps);
}

TEST(LatencyStats, MedianAndRpm) {
  EXPECT_FALSE(median({}).has_value());
  EXPECT_DOUBLE_EQ(*median({5, 1, 3}), 3);
  EXPECT_DOUBLE_EQ(*median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(*rpmFromLoadedMs(50.0), 1200);
  EXPECT_FALSE(rpmFromLoadedMs(0.0).has_value());
  EXPECT_FALSE(rpmFromLoadedMs(std::nullopt).has_value());
}

TEST(LinkContext, CrossTrafficSubtractsOurWireBytes) {
  platform::NetdevCounters before{1000, 1000};
  // 10 MB of our payload at MSS 1448 + 52 + 14 on the wire, plus 1 MB of someone else's.
  const uint64_t ours = 10'000'000;
  const double wire = wireBytesForPayload(ours, 1448, 52);
  platform::NetdevCounters after{1000 + static_cast<uint64_t>(wire) + 1'000'000, 1000};
  auto x = crossTrafficBps(before, after, true, ours, 1448, 52, 2.0);
  ASSERT_TRUE(x.has_value());
  EXPECT_NEAR(*x, 4e6, 10);  // 1 MB over 2 s
  // Nothing else on the link: clamped at 0, never negative.
  platform::NetdevCounters quiet{1000 + static_cast<uint64_t>(wire) - 5000, 1000};
  EXPECT_DOUBLE_EQ(*crossTrafficBps(before, quiet, true, ours, 1448, 52, 2.0), 0.0);
  EXPECT_FALSE(crossTrafficBps(std::nullopt, after, true, ours, 1448, 52, 2.0).has_value());
  EXPECT_FALSE(crossTrafficBps(after, before, true, ours, 1448, 52, 2.0).has_value());
}

TEST(LinkContext, ClientLimitedThreshold) {
  EXPECT_TRUE(isClientLimited(95.0));
  EXPECT_FALSE(isClientLimited(40.0));
  EXPECT_FALSE(isClientLimited(std::nullopt));
}

// Issue 17: a UDP capacity test asks at most the NIC's link speed (a 200 Mbit contract behind a
// 100 Mbit port asks 100, not 240); unknown or nonsense speeds leave the target's figure.
TEST(LinkContext, UdpMaxBandwidthIsBoundedByTheNicSpeed) {
  EXPECT_EQ(boundByNicSpeed(240, 100), 100);
  EXPECT_EQ(boundByNicSpeed(120, 1000), 120);
  EXPECT_EQ(boundByNicSpeed(240, std::nullopt), 240);
  EXPECT_EQ(boundByNicSpeed(240, 0), 240);
  EXPECT_EQ(boundByNicSpeed(240, -1), 240);
  EXPECT_EQ(wanInterface("eth1", 4), "eth1");  // [throughput] wan_interface wins
}

TEST(Endpoints, LibrespeedAndHttpKinds) {
  auto l = endpointsFor(spec("a", "librespeed", "http://127.0.0.1:8080", "", ""));
  ASSERT_TRUE(l.ok());
  // LibreSpeed's defaults: the PHP backend's names, which the Go backend and ours also serve.
  EXPECT_EQ(l->download, "http://127.0.0.1:8080/garbage.php?ckSize=100");
  EXPECT_EQ(l->upload, "http://127.0.0.1:8080/empty.php");
  EXPECT_EQ(l->latency, "http://127.0.0.1:8080/empty.php");  // pingURL, not getIP
  EXPECT_EQ(l->getip, "http://127.0.0.1:8080/getIP.php");
  EXPECT_FALSE(l->latency_head);
  auto h = endpointsFor(spec("b", "http", "", "http://x/f.bin", "http://x/up"));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->download, "http://x/f.bin");
  EXPECT_TRUE(h->latency_head);
  EXPECT_EQ(h->getip, "");
  EXPECT_EQ(endpointsFor(spec("c", "ftp", "ftp://x/", "", "")).error().kind, ErrorKind::kProtocol);
  EXPECT_EQ(endpointsFor(spec("d", "librespeed", "x:80", "", "")).error().kind,
            ErrorKind::kProtocol);
}

TEST(Endpoints, LibrespeedServerEntryPaths) {
  // A LibreSpeed server-list entry for the Go backend under a sub-path, as its web UI joins
  // them (server + path; a missing "/" after server is added as speedtest.js does).
  ServerSpec go = spec("go", "librespeed", "https://speed.example.cn/speedtest", "", "");
  go.dl_url = "backend/garbage";
  go.ul_url = "backend/empty";
  go.ping_url = "backend/empty";
  go.getip_url = "backend/getIP";
  auto e = endpointsFor(go);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->download, "https://speed.example.cn/speedtest/backend/garbage?ckSize=100");
  EXPECT_EQ(e->upload, "https://speed.example.cn/speedtest/backend/empty");
  EXPECT_EQ(e->latency, "https://speed.example.cn/speedtest/backend/empty");
  EXPECT_EQ(e->getip, "https://speed.example.cn/speedtest/backend/getIP");
  // A dlURL that already has a query gets ckSize with "&" (LibreSpeed's url_sep).
  ServerSpec q = spec("q", "librespeed", "http://h/", "", "");
  q.dl_url = "garbage.php?cors=true";
  EXPECT_EQ(endpointsFor(q)->download, "http://h/garbage.php?cors=true&ckSize=100");
}

TEST(Endpoints, PublicIpFromGetIp) {
  EXPECT_EQ(
      publicIpFromGetIp(R"({"processedString":"203.0.113.7 - Example ISP, CN","rawIspInfo":""})"),
      "203.0.113.7");
  EXPECT_EQ(publicIpFromGetIp(R"({"processedString":"::1"})"), "::1");
  EXPECT_EQ(publicIpFromGetIp("garbage{"), "");
  // A hostile server's terminal escape or free text never reaches the technician's screen.
  EXPECT_EQ(publicIpFromGetIp(R"({"processedString":"\u001b]0;owned\u0007 - x"})"), "");
  EXPECT_EQ(publicIpFromGetIp(R"({"processedString":"hello world"})"), "");
  EXPECT_EQ(publicIpFromGetIp(R"({"processedString":"1.2.3.4\u001b[2J"})"), "");
  EXPECT_EQ(publicIpFromGetIp(R"({"processedString":5})"), "");
}

TEST(ThroughputResult, JsonFieldNamesAreTheContract) {
  ThroughputResult r;
  DirectionResult d;
  d.goodput_mbps = 95.123;
  d.stop_reason = "stable";
  r.download = d;
  r.error = makeError(ErrorKind::kTimeout, "x");
  auto j = r.toJson();
  for (const char* k :
       {"download", "upload", "latency", "server", "cross_traffic_mbps", "wan_interface",
        "nic_speed_mbps", "cpu_pct", "client_limited", "error", "bytes_total"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_TRUE(j["upload"].is_null());
  for (const char* k :
       {"goodput_mbps", "ip_capacity_mbps", "peak_mbps", "bytes", "duration_s", "warmup_s",
        "streams", "stop_reason", "retransmit_pct", "rtt_ms", "mss", "loaded_latency_ms", "error"})
    EXPECT_TRUE(j["download"].contains(k)) << k;
  EXPECT_DOUBLE_EQ(j["download"]["goodput_mbps"].get<double>(), 95.12);
  for (const char* k : {"idle_ms", "loaded_ms", "rpm"}) EXPECT_TRUE(j["latency"].contains(k)) << k;
  EXPECT_EQ(j["error"]["kind"], "timeout");
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace uplinkprobe::measure
