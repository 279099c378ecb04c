#include "agent/journal/heartbeat.h"

#include "common/time_format.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/unit/journal/journal_test_util.h"

namespace uplinkprobe::journal {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

class HeartbeatTest : public ::testing::Test {
 protected:
  HeartbeatOptions opts() const { return {dir_.path() + "/heartbeat.json", minutes(5)}; }
  std::filesystem::file_time_type mtime() const {
    return std::filesystem::last_write_time(opts().path);
  }
  testing::TempDir dir_;
  ManualClock clock_;
};

TEST_F(HeartbeatTest, FirstStartHasNoPowerRecordAndWritesFile) {
  Heartbeat hb(opts(), clock_, "boot-a");
  auto s = hb.start();
  EXPECT_TRUE(s.write.ok());
  EXPECT_FALSE(s.power.has_value());
  EXPECT_TRUE(std::filesystem::exists(opts().path));
}

TEST_F(HeartbeatTest, TickWritesAtMostOncePerPeriod) {
  Heartbeat hb(opts(), clock_, "boot-a");
  (void)hb.start();
  auto before = testing::readFile(opts().path);
  clock_.advance(minutes(4));
  ASSERT_TRUE(hb.tick().ok());
  EXPECT_EQ(testing::readFile(opts().path), before) << "no write within the period";
  clock_.advance(minutes(1));
  ASSERT_TRUE(hb.tick().ok());
  EXPECT_NE(testing::readFile(opts().path), before);
}

TEST_F(HeartbeatTest, RebootProducesPowerRecord) {
  {
    Heartbeat hb(opts(), clock_, "boot-a");
    (void)hb.start();
    clock_.advance(minutes(5));
    (void)hb.tick();
  }
  const auto last_alive = clock_.wallNow();
  clock_.advance(minutes(42));  // power cut
  Heartbeat hb(opts(), clock_, "boot-b");
  auto s = hb.start();
  ASSERT_TRUE(s.power.has_value());
  const nlohmann::json p = s.power->toJson();  // the record as journaled
  EXPECT_EQ(p["kind"], "power");
  EXPECT_EQ(p["cause"], "reboot");
  EXPECT_DOUBLE_EQ(p["duration_s"].get<double>(), 42 * 60);
  EXPECT_EQ(p["uncertainty_s"], 300);
  EXPECT_EQ(p["clean_shutdown"], false);
  EXPECT_EQ(p["start"], formatRfc3339Utc(last_alive));
  EXPECT_EQ(p["end"], formatRfc3339Utc(clock_.wallNow()));
}

TEST_F(HeartbeatTest, ShortRestartSameBootIsNotReported) {
  {
    Heartbeat hb(opts(), clock_, "boot-a");
    (void)hb.start();
  }
  clock_.advance(minutes(9));  // < 2 periods
  Heartbeat hb(opts(), clock_, "boot-a");
  EXPECT_FALSE(hb.start().power.has_value());
}

TEST_F(HeartbeatTest, AgentDownSameBootUsesMonotonicAndCleanShutdown) {
  {
    Heartbeat hb(opts(), clock_, "boot-a");
    (void)hb.start();
    clock_.advance(minutes(2));
    ASSERT_TRUE(hb.markCleanShutdown().ok());
  }
  clock_.advance(minutes(30));
  // An NTP step of the wall clock must not change the measured down time.
  clock_.setWall(clock_.wallNow() + std::chrono::hours(3));
  Heartbeat hb(opts(), clock_, "boot-a");
  auto s = hb.start();
  ASSERT_TRUE(s.power.has_value());
  EXPECT_EQ(s.power->toJson()["cause"], "agent_down");
  EXPECT_DOUBLE_EQ(s.power->toJson()["duration_s"].get<double>(), 30 * 60);
  EXPECT_EQ(s.power->toJson()["clean_shutdown"], true);
  EXPECT_EQ(s.power->toJson()["uncertainty_s"], 0);
}

TEST_F(HeartbeatTest, GarbageFileIsIgnoredAndUnwritableDirIsAnError) {
  testing::writeFile(opts().path, "{not json");
  Heartbeat hb(opts(), clock_, "boot-a");
  auto s = hb.start();
  EXPECT_FALSE(s.power.has_value());
  EXPECT_TRUE(s.write.ok());
  Heartbeat bad({dir_.path() + "/missing/dir/hb.json", minutes(5)}, clock_, "boot-a");
  auto s2 = bad.start();
  ASSERT_FALSE(s2.write.ok());
  EXPECT_NE(s2.write.error().message.find("missing/dir/hb.json"), std::string::npos);
}

}  // namespace
}  // namespace uplinkprobe::journal
