#include "platform/default_route.h"

#include <gtest/gtest.h>

namespace uplinkprobe::platform {
namespace {

constexpr const char* kV4Header =
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";

TEST(DefaultRoute, PicksLowestMetricIpv4Default) {
  std::string table = std::string(kV4Header) +
                      "wwan0\t00000000\t0101A8C0\t0003\t0\t0\t700\t00000000\t0\t0\t0\n"
                      "eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
                      "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";
  auto r = parseIpv4RouteTable(table);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->interface, "eth0");
  EXPECT_EQ(r->gateway, "192.0.2.1");
  EXPECT_EQ(r->family, 4);
}

TEST(DefaultRoute, IgnoresDownAndRejectRoutesIpv4) {
  std::string table = std::string(kV4Header) +
                      "eth1\t00000000\t010200C0\t0002\t0\t0\t0\t00000000\t0\t0\t0\n"   // not up
                      "eth2\t00000000\t00000000\t0201\t0\t0\t0\t00000000\t0\t0\t0\n";  // reject
  EXPECT_FALSE(parseIpv4RouteTable(table).has_value());
}

TEST(DefaultRoute, GarbageIsNoRoute) {
  EXPECT_FALSE(parseIpv4RouteTable("").has_value());
  EXPECT_FALSE(parseIpv4RouteTable("x\n\x01\x02 zz zz\n").has_value());
  EXPECT_FALSE(parseIpv6RouteTable("not a table at all\n").has_value());
}

TEST(DefaultRoute, Ipv6DefaultSkipsLoopbackUnreachable) {
  std::string table =
      "fd000000000000000000000000000000 40 00000000000000000000000000000000 00 "
      "00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n"
      "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
      "fd000000000000000000000000000001 00000400 00000002 00000000 00000003     eth0\n"
      "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
      "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n";
  auto r = parseIpv6RouteTable(table);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->interface, "eth0");
  EXPECT_EQ(r->gateway, "fd00::1");
  EXPECT_EQ(r->family, 6);
}

TEST(DefaultRoute, RejectsUnknownFamily) { EXPECT_FALSE(defaultRoute(5).has_value()); }

}  // namespace
}  // namespace uplinkprobe::platform
