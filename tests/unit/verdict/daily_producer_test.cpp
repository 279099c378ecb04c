// DailyProducer over a memory journal: due days, no repeats after a daily record, catch-up.
#include "agent/verdict/daily_producer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "common/time_format.h"

namespace uplinkprobe::verdict {
namespace {

class DailyProducerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
  }
  void TearDown() override {
    unsetenv("TZ");
    tzset();
  }
  void add(const std::string& kind, nlohmann::json body, const std::string& ts) {
    body["kind"] = kind;
    body["ts"] = ts;
    ASSERT_TRUE(j_->append(body));
  }
  std::unique_ptr<journal::Journal> j_ = journal::makeMemoryJournal("dev");
  VerdictInputs target_{100, 0, 5};
};

TEST_F(DailyProducerTest, SummarisesEachFinishedDayOnceAfterTheSettleTime) {
  add("event", {{"event", "agent_started"}}, "2024-05-05T09:00:00+08:00");
  add("throughput",
      {{"download", {{"ip_capacity_mbps", 50.0}, {"goodput_mbps", 47.8}}},
       {"verdict", {{"counted", true}, {"meets_target", false}}}},
      "2024-05-05T10:00:00+08:00");
  DailyProducer p(std::chrono::minutes(6));
  // Same day: nothing due.
  EXPECT_TRUE(p.poll(*j_, *parseRfc3339("2024-05-05T23:00:00+08:00"), target_).empty());
  // Midnight passed but not settled yet; the producer looks again at 00:06.
  EXPECT_TRUE(p.poll(*j_, *parseRfc3339("2024-05-06T00:03:00+08:00"), target_).empty());
  auto due = p.poll(*j_, *parseRfc3339("2024-05-06T00:06:00+08:00"), target_);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0]["date"], "2024-05-05");
  EXPECT_EQ(due[0]["tests"]["counted"], 1);
  EXPECT_EQ(due[0]["verdict"]["meets_target"], false);
  add("daily", due[0], "2024-05-06T00:06:00+08:00");
  // A new producer (restart) sees the daily record in the journal: nothing more.
  DailyProducer restarted(std::chrono::minutes(6));
  EXPECT_TRUE(restarted.poll(*j_, *parseRfc3339("2024-05-06T08:00:00+08:00"), target_).empty());
  // Three days off: catch up the missing days, oldest first.
  auto later = restarted.poll(*j_, *parseRfc3339("2024-05-09T12:00:00+08:00"), target_);
  ASSERT_EQ(later.size(), 3u);
  EXPECT_EQ(later[0]["date"], "2024-05-06");
  EXPECT_EQ(later[2]["date"], "2024-05-08");
  EXPECT_TRUE(later[2]["uptime_pct"].is_null());
}

}  // namespace
}  // namespace uplinkprobe::verdict
