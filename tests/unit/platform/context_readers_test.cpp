// Readers of /sys and adjtimex: checked against the loopback interface, which always exists.
#include <gtest/gtest.h>
#include <sys/timex.h>

#include "platform/clock_sync.h"
#include "platform/cpu_usage.h"
#include "platform/netdev_counters.h"
#include "platform/nic_speed.h"

namespace uplinkprobe::platform {
namespace {

TEST(NetdevCounters, LoopbackIsReadable) { EXPECT_TRUE(readNetdevCounters("lo").has_value()); }

TEST(NetdevCounters, UnsafeOrMissingNamesAreRejected) {
  EXPECT_FALSE(readNetdevCounters("").has_value());
  EXPECT_FALSE(readNetdevCounters("../lo").has_value());
  EXPECT_FALSE(readNetdevCounters("..").has_value());
  EXPECT_FALSE(readNetdevCounters("no-such-if0").has_value());
  EXPECT_FALSE(readNetdevCounters(std::string(40, 'a')).has_value());
}

TEST(NicSpeed, VirtualInterfaceHasNoSpeed) {
  EXPECT_FALSE(nicSpeedMbps("lo").has_value());
  EXPECT_FALSE(nicSpeedMbps("no-such-if0").has_value());
}

TEST(CpuUsage, ShareIsCpuOverWall) {
  using std::chrono::microseconds;
  EXPECT_DOUBLE_EQ(*cpuSharePct(microseconds(500), microseconds(1000)), 50.0);
  EXPECT_FALSE(cpuSharePct(microseconds(5), microseconds(0)).has_value());
  EXPECT_DOUBLE_EQ(*cpuSharePct(microseconds(-5), microseconds(10)), 0.0);
  EXPECT_GE(onlineCpuCount(), 1);
}

TEST(ClockSync, Classification) {
  EXPECT_TRUE(classifyClockSync(TIME_OK, 0, 1000).synced);
  EXPECT_EQ(classifyClockSync(TIME_OK, 0, 1000).source, "kernel");
  EXPECT_FALSE(classifyClockSync(TIME_OK, STA_UNSYNC, 1000).synced);
  EXPECT_FALSE(classifyClockSync(TIME_ERROR, 0, 1000).synced);
  EXPECT_EQ(classifyClockSync(TIME_OK, 0, 16'000'000).source, "maxerror");
  EXPECT_EQ(classifyClockSync(-1, 0, 0).source, "adjtimex-failed");
  EXPECT_FALSE(clockSyncState().source.empty());
}

}  // namespace
}  // namespace uplinkprobe::platform
