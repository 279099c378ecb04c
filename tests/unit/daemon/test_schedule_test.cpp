#include "agent/daemon/test_schedule.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <set>

namespace uplinkprobe::daemon {
namespace {

class TestScheduleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
  }
  void TearDown() override {
    unsetenv("TZ");
    tzset();
  }
  // 2026-11-30 (Monday) local time HH:MM in Asia/Shanghai (UTC+8, no DST).
  static WallTime local(int hh, int mm, int day = 30) {
    std::tm tm{};
    tm.tm_year = 126;
    tm.tm_mon = 10;
    tm.tm_mday = day;
    tm.tm_hour = hh;
    tm.tm_min = mm;
    tm.tm_isdst = -1;
    return std::chrono::system_clock::from_time_t(std::mktime(&tm));
  }
  static int localMinute(WallTime t) {
    std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    localtime_r(&tt, &tm);
    return tm.tm_hour * 60 + tm.tm_min;
  }
  static ScheduleRules rules(int per_day, std::vector<Window> w, const std::string& dev = "dev-1") {
    ScheduleRules r;
    r.tests_per_day = per_day;
    r.windows = std::move(w);
    r.device_id = dev;
    return r;
  }
};

TEST_F(TestScheduleTest, ParsesWindows) {
  auto w = parseWindow("08:00-17:30");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->start_min, 480);
  EXPECT_EQ(w->end_min, 1050);
  EXPECT_FALSE(parseWindow("17:00-08:00").ok());
  EXPECT_FALSE(parseWindow("8-17").ok());
  EXPECT_TRUE(parseWindow("00:00-24:00").ok());
}

TEST_F(TestScheduleTest, SlotsStayInsideWindowsAndAreSpread) {
  TestSchedule s(rules(4, {{8 * 60, 12 * 60}, {13 * 60, 17 * 60}}));
  auto slots = s.slotsForDay(local(6, 0));
  ASSERT_EQ(slots.size(), 4u);
  for (auto t : slots) {
    int m = localMinute(t);
    EXPECT_TRUE((m >= 480 && m < 720) || (m >= 780 && m < 1020)) << m;
  }
  // 480 window-minutes / 4 = 120-minute slots centred at 60, 180, 300, 420 → splay ≤ ±6 min.
  EXPECT_NEAR(localMinute(slots[0]), 540, 6);
  EXPECT_NEAR(localMinute(slots[1]), 660, 6);
  EXPECT_NEAR(localMinute(slots[2]), 840, 6);  // 13:00 + 60
  EXPECT_NEAR(localMinute(slots[3]), 960, 6);
}

TEST_F(TestScheduleTest, DevicesAreSplayedApart) {
  std::set<int> minutes;
  for (int i = 0; i < 50; ++i) {
    TestSchedule s(rules(4, {{480, 1020}}, "school-" + std::to_string(i)));
    minutes.insert(localMinute(s.slotsForDay(local(6, 0))[0]));
  }
  // 50 devices over a ±6.75-minute splay window: most land in distinct minutes.
  EXPECT_GE(minutes.size(), 10u);
}

TEST_F(TestScheduleTest, NextIsAfterNowAndHonoursSpacing) {
  TestSchedule s(rules(4, {{480, 1020}}));
  auto slots = s.slotsForDay(local(6, 0));
  EXPECT_EQ(s.next(local(6, 0), WallTime{}), slots[0]);
  EXPECT_EQ(s.next(slots[0], WallTime{}), slots[1]);
  // A test that ran late (just before slot 2) pushes slot 2 out by min_spacing → slot 3.
  EXPECT_EQ(s.next(slots[0] + std::chrono::minutes(1), slots[1] - std::chrono::minutes(5)),
            slots[2]);
  // After the last slot of the day: tomorrow's first slot.
  auto tomorrow = s.next(local(18, 0), WallTime{});
  EXPECT_GT(tomorrow, local(23, 59));
  EXPECT_LT(tomorrow, local(12, 0, 31));
}

TEST_F(TestScheduleTest, ZeroTestsPerDayMeansNever) {
  TestSchedule s(rules(0, {{480, 1020}}));
  EXPECT_EQ(s.next(local(6, 0), WallTime{}), WallTime::max());
}

TEST_F(TestScheduleTest, LabIntervalMode) {
  ScheduleRules r = rules(4, {{480, 1020}});
  r.interval = std::chrono::seconds(60);
  TestSchedule s(r);
  auto first = s.next(local(3, 0), WallTime{});
  EXPECT_GT(first, local(3, 0));
  EXPECT_LE(first, local(3, 0) + std::chrono::seconds(8));
  EXPECT_EQ(s.next(local(3, 0), local(3, 0)), local(3, 1));
}

}  // namespace
}  // namespace uplinkprobe::daemon
