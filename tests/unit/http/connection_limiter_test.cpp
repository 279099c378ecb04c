#include "http/connection_limiter.h"

#include <gtest/gtest.h>

#include <vector>

#include "http/server.h"

namespace uplinkprobe::http {
namespace {

asio::ip::address ip(const char* s) { return asio::ip::make_address(s); }

TEST(ConnectionLimiter, PerAddressCapLeavesRoomForOthers) {
  ConnectionLimiter limiter(10, 3);
  std::vector<ConnectionLimiter::Slot> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(limiter.admit(ip("192.0.2.1")));
    ASSERT_TRUE(held.back());
  }
  ConnectionLimiter::Refusal why = ConnectionLimiter::Refusal::kNone;
  EXPECT_FALSE(limiter.admit(ip("192.0.2.1"), &why));
  EXPECT_EQ(why, ConnectionLimiter::Refusal::kPerAddress);
  // The same address as IPv4-mapped IPv6 is the same client.
  EXPECT_FALSE(limiter.admit(ip("::ffff:192.0.2.1")));
  auto other = limiter.admit(ip("192.0.2.2"), &why);
  EXPECT_TRUE(other);
  EXPECT_EQ(why, ConnectionLimiter::Refusal::kNone);
  EXPECT_EQ(limiter.active(), 4);
  held.pop_back();
  EXPECT_EQ(limiter.activeFor(ip("192.0.2.1")), 2);
  EXPECT_TRUE(limiter.admit(ip("192.0.2.1"))) << "a released slot is admitted again";
}

TEST(ConnectionLimiter, GlobalCap) {
  ConnectionLimiter limiter(2, 0);
  auto a = limiter.admit(ip("192.0.2.1"));
  auto b = limiter.admit(ip("192.0.2.2"));
  ConnectionLimiter::Refusal why = ConnectionLimiter::Refusal::kNone;
  EXPECT_FALSE(limiter.admit(ip("192.0.2.3"), &why));
  EXPECT_EQ(why, ConnectionLimiter::Refusal::kTotal);
  ConnectionLimiter::Slot moved = std::move(a);
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): moved-from holds nothing
  EXPECT_EQ(limiter.active(), 2);
  moved = ConnectionLimiter::Slot();
  EXPECT_EQ(limiter.active(), 1);
  EXPECT_EQ(limiter.activeFor(ip("192.0.2.1")), 0);
}

TEST(ConnectionLimiter, Ipv6CountsPerSlash64) {
  EXPECT_EQ(ConnectionLimiter::addressKey(ip("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
  EXPECT_EQ(ConnectionLimiter::addressKey(ip("::ffff:10.0.0.1")), "10.0.0.1");
  ConnectionLimiter limiter(100, 2);
  auto a = limiter.admit(ip("2001:db8:1:2::1"));
  auto b = limiter.admit(ip("2001:db8:1:2::2"));
  EXPECT_FALSE(limiter.admit(ip("2001:db8:1:2:ffff::3"))) << "same /64, another address";
  EXPECT_TRUE(limiter.admit(ip("2001:db8:1:3::1")));
}

TEST(ServerThreads, DefaultFitsTheUnitOnBigMachines) {
  // systemd/uplinkprobe-server.service has TasksMax=64; a 128-core carrier server used to get
  // 128 threads, EAGAIN and std::terminate in a restart loop.
  EXPECT_EQ(defaultThreadCount(128), kMaxDefaultThreads);
  EXPECT_LT(kMaxDefaultThreads, 64);
  EXPECT_EQ(defaultThreadCount(2), 2);
  EXPECT_EQ(defaultThreadCount(0), 1);
  EXPECT_GE(usableCores(), 1u);
}

}  // namespace
}  // namespace uplinkprobe::http
