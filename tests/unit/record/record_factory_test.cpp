#include "record/record_factory.h"

#include <gtest/gtest.h>

#include "common/version.h"

namespace uplinkprobe::record {
namespace {

platform::ClockSyncState synced() { return {true, "kernel", 1000}; }

TEST(RecordFactory, StampsEnvelopeButNeverSeq) {
  ManualClock clock(WallTime{} + std::chrono::seconds(1795867800));
  RecordFactory f({"dev-1", "school-9"}, clock, synced, "boot-abc");
  auto r = f.make("throughput", {{"download", nullptr}, {"kind", "forged"}});
  EXPECT_EQ(r["schema"], "uplinkprobe/1");
  EXPECT_EQ(r["kind"], "throughput");
  EXPECT_EQ(r["device_id"], "dev-1");
  EXPECT_EQ(r["school_id"], "school-9");
  EXPECT_EQ(r["boot_id"], "boot-abc");
  EXPECT_EQ(r["agent_version"], kAgentVersion);
  EXPECT_EQ(r["clock_synced"], true);
  EXPECT_FALSE(r.contains("clock_suspect"));
  EXPECT_FALSE(r.contains("seq"));
  EXPECT_FALSE(r.contains("id"));
  EXPECT_TRUE(r.contains("download"));
  EXPECT_EQ(r["ts"].get<std::string>().substr(0, 4), "2026");
}

TEST(RecordFactory, A1970ClockIsNeverTrusted) {
  ManualClock clock(WallTime{} + std::chrono::seconds(3600));
  RecordFactory f({"dev-1", "school-9"}, clock, synced, "b");
  auto r = f.make("status", {});
  EXPECT_EQ(r["clock_synced"], false);
  EXPECT_EQ(r["clock_suspect"], true);
}

TEST(RecordFactory, UnsyncedClockIsReported) {
  ManualClock clock(WallTime{} + std::chrono::seconds(1795867800));
  RecordFactory f(
      {"d", "s"}, clock,
      [] {
        return platform::ClockSyncState{false, "unsynchronised", 0};
      },
      "b");
  EXPECT_EQ(f.make("status", {})["clock_synced"], false);
}

}  // namespace
}  // namespace uplinkprobe::record
