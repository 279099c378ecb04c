#include "agent/availability/target_address.h"

#include <gtest/gtest.h>

namespace uplinkprobe::availability {
namespace {

TEST(TargetAddress, ParsesHostPortForms) {
  auto v4 = parseHostPort("192.0.2.1:443");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->host, "192.0.2.1");
  EXPECT_EQ(v4->port, 443);
  auto v6 = parseHostPort("[2001:db8::1]:53");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "2001:db8::1");
  EXPECT_EQ(v6->port, 53);
  auto name = parseHostPort("www.example.com:80");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(name->host, "www.example.com");
  auto defaulted = parseHostPort("192.0.2.53", 53);
  ASSERT_TRUE(defaulted.ok());
  EXPECT_EQ(defaulted->port, 53);
}

TEST(TargetAddress, RejectsBadForms) {
  for (const char* bad : {"", "192.0.2.1", "192.0.2.1:", "192.0.2.1:0", "192.0.2.1:65536",
                          "192.0.2.1:80x", "2001:db8::1:443", "[2001:db8::1", "[::1]x80", ":80"}) {
    EXPECT_FALSE(parseHostPort(bad).ok()) << bad;
  }
}

TEST(TargetAddress, ResolvConfNameservers) {
  auto ns = parseResolvConf(
      "# comment\nsearch school.local\nnameserver 192.0.2.53\n  nameserver   2001:db8::53 \n"
      "options edns0\nnameserver\n");
  EXPECT_EQ(ns, (std::vector<std::string>{"192.0.2.53", "2001:db8::53"}));
}

}  // namespace
}  // namespace uplinkprobe::availability
