// Daily summary over a synthetic day with hand-computed figures, including a power cut.
#include "agent/verdict/daily_summary.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "agent/verdict/daily_scheduler.h"
#include "common/time_format.h"

namespace uplinkprobe::verdict {
namespace {

class DailySummary : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* old = std::getenv("TZ");
    if (old) saved_tz_ = old;
    had_tz_ = old != nullptr;
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
  }
  void TearDown() override {
    if (had_tz_)
      setenv("TZ", saved_tz_.c_str(), 1);
    else
      unsetenv("TZ");
    tzset();
  }
  std::string saved_tz_;
  bool had_tz_ = false;
};

// "HH:MM" on 2024-05-06 in +08:00 (or a full RFC 3339 string).
std::string at(const std::string& hm) {
  return hm.size() == 5 ? "2024-05-06T" + hm + ":00+08:00" : hm;
}

nlohmann::json throughput(const std::string& ts, double down_cap, double up_cap, double idle,
                          bool counted = true) {
  return {{"kind", "throughput"},
          {"ts", at(ts)},
          {"download",
           {{"goodput_mbps", down_cap * 0.95}, {"ip_capacity_mbps", down_cap}, {"error", nullptr}}},
          {"upload",
           {{"goodput_mbps", up_cap * 0.95}, {"ip_capacity_mbps", up_cap}, {"error", nullptr}}},
          {"latency", {{"idle_ms", idle}, {"loaded_ms", idle * 3}}},
          {"error", nullptr},
          {"bytes_total", 100000000},
          {"verdict", {{"counted", counted}, {"meets_target", down_cap >= 95}}}};
}

nlohmann::json period(const std::string& from, const std::string& to, double up, double down) {
  return {{"kind", "availability"}, {"ts", at(to)}, {"period_start", at(from)},
          {"period_end", at(to)},   {"up_s", up},   {"down_s", down}};
}

std::vector<nlohmann::json> syntheticDay() {
  std::vector<nlohmann::json> r;
  // Availability: observed all day except the power cut 13:00-14:00. The first period
  // straddles midnight and holds half of a DNS outage 23:50-00:10 (600 s in our day).
  r.push_back(period("2024-05-05T23:30:00+08:00", "00:30", 2400, 1200));
  r.push_back(period("00:30", "01:00", 1800, 0));
  for (int h = 1; h < 13; ++h) {
    char a[6], b[6];
    std::snprintf(a, sizeof a, "%02d:00", h);
    std::snprintf(b, sizeof b, "%02d:00", h + 1);
    r.push_back(h == 10 ? period(a, b, 2700, 900) : period(a, b, 3600, 0));
  }
  for (int h = 14; h < 23; ++h) {
    char a[6], b[6];
    std::snprintf(a, sizeof a, "%02d:00", h);
    std::snprintf(b, sizeof b, "%02d:00", h + 1);
    r.push_back(period(a, b, 3600, 0));
  }
  // The last period runs past midnight: 3600 of its 5400 s are ours.
  r.push_back(period("23:00", "2024-05-07T00:30:00+08:00", 5400, 0));
  r.push_back({{"kind", "power"},
               {"ts", at("14:00")},
               {"start", at("13:00")},
               {"end", at("14:00")},
               {"duration_s", 3600},
               {"cause", "reboot"}});
  r.push_back({{"kind", "outage"},
               {"ts", at("00:10")},
               {"start", "2024-05-05T23:50:00+08:00"},
               {"end", at("00:10")},
               {"duration_s", 1200},
               {"class", "dns"}});
  r.push_back({{"kind", "outage"},
               {"ts", at("10:25")},
               {"start", at("10:10")},
               {"end", at("10:25")},
               {"duration_s", 900},
               {"class", "upstream"}});
  // Six counted tests, one unfair, one failed, one from the day before.
  r.push_back(throughput("08:00", 80, 40, 10));
  r.push_back(throughput("09:30", 95, 45, 12));
  r.push_back(throughput("11:00", 70, 50, 11));
  r.push_back(throughput("12:30", 110, 30, 14));
  r.push_back(throughput("15:00", 90, 35, 13));
  r.push_back(throughput("16:30", 60, 55, 15));
  r.push_back(throughput("17:00", 20, 10, 99, /*counted=*/false));
  auto failed = throughput("17:30", 0, 0, 0, false);
  failed["error"] = {{"kind", "connect"}, {"message", "refused"}};
  failed["download"] = nullptr;
  failed["upload"] = nullptr;
  r.push_back(failed);
  r.push_back(throughput("2024-05-05T16:00:00+08:00", 500, 500, 1));
  r.push_back({{"kind", "event"}, {"event", "test_deferred"}, {"ts", at("07:55")}});
  r.push_back({{"kind", "event"}, {"event", "test_deferred"}, {"ts", at("07:57")}});
  r.push_back({{"kind", "event"}, {"event", "test_skipped"}, {"ts", at("07:59")}});
  r.push_back({{"kind", "event"}, {"event", "test_deferred"}, {"ts", "2024-05-05T07:55:00+08:00"}});
  return r;
}

VerdictInputs target100() {
  VerdictInputs in;
  in.down_target_mbps = 100;
  in.tolerance_pct = 5;
  return in;
}

TEST_F(DailySummary, SyntheticDayWithPowerCutMatchesHandComputedFigures) {
  auto day = localDayFromDate("2024-05-06");
  ASSERT_TRUE(day);
  auto s = summarizeDay(syntheticDay(), *day, day->end, target100()).toJson();
  EXPECT_EQ(s["date"], "2024-05-06");
  EXPECT_EQ(s["tests"]["run"], 8);
  EXPECT_EQ(s["tests"]["counted"], 6);
  EXPECT_EQ(s["tests"]["failed"], 1);
  EXPECT_EQ(s["tests"]["deferred"], 2);
  EXPECT_EQ(s["tests"]["skipped"], 1);
  // Counted download capacities 60 70 80 90 95 110: median (80+90)/2, p10 = 1st of 6.
  const auto& cap = s["download"]["ip_capacity_mbps"];
  EXPECT_DOUBLE_EQ(cap["median"].get<double>(), 85.0);
  EXPECT_DOUBLE_EQ(cap["p10"].get<double>(), 60.0);
  EXPECT_DOUBLE_EQ(cap["min"].get<double>(), 60.0);
  EXPECT_DOUBLE_EQ(cap["max"].get<double>(), 110.0);
  EXPECT_EQ(cap["n"], 6);
  EXPECT_DOUBLE_EQ(s["download"]["goodput_mbps"]["median"].get<double>(), 80.75);
  // Upload 30 35 40 45 50 55.
  EXPECT_DOUBLE_EQ(s["upload"]["ip_capacity_mbps"]["median"].get<double>(), 42.5);
  EXPECT_DOUBLE_EQ(s["upload"]["ip_capacity_mbps"]["p10"].get<double>(), 30.0);
  EXPECT_DOUBLE_EQ(s["latency"]["idle_ms_median"].get<double>(), 12.5);
  EXPECT_DOUBLE_EQ(s["latency"]["loaded_ms_median"].get<double>(), 37.5);
  // Observed 23 h (82800 s), down 600 + 900 = 1500 s: uptime 81300 / 82800.
  EXPECT_DOUBLE_EQ(s["up_s"].get<double>(), 81300.0);
  EXPECT_DOUBLE_EQ(s["down_s"].get<double>(), 1500.0);
  EXPECT_DOUBLE_EQ(s["uptime_pct"].get<double>(), 98.19);
  EXPECT_DOUBLE_EQ(s["unknown_s"].get<double>(), 3600.0);
  EXPECT_DOUBLE_EQ(s["coverage"].get<double>(), 0.9583);
  EXPECT_EQ(s["partial"], true);
  EXPECT_DOUBLE_EQ(s["power_off_s"].get<double>(), 3600.0);
  EXPECT_EQ(s["outages"]["count"], 2);
  EXPECT_DOUBLE_EQ(s["outages"]["seconds"].get<double>(), 1500.0);
  EXPECT_DOUBLE_EQ(s["outages"]["by_class"]["dns"]["seconds"].get<double>(), 600.0);
  EXPECT_EQ(s["outages"]["by_class"]["upstream"]["count"], 1);
  EXPECT_EQ(s["bytes_tests"], 800000000u);
  EXPECT_EQ(s["verdict"]["meets_target"], false);
  EXPECT_DOUBLE_EQ(s["verdict"]["measured_mbps"].get<double>(), 85.0);
  EXPECT_EQ(s["complete"], true);
}

TEST_F(DailySummary, DayWithoutDataInventsNothing) {
  auto day = localDayFromDate("2024-05-08");
  auto s = summarizeDay(syntheticDay(), *day, day->end, target100()).toJson();
  EXPECT_EQ(s["tests"]["run"], 0);
  EXPECT_TRUE(s["uptime_pct"].is_null());
  EXPECT_TRUE(s["verdict"]["meets_target"].is_null());
  EXPECT_TRUE(s["download"]["ip_capacity_mbps"].is_null());
  EXPECT_EQ(s["coverage"], 0.0);
  EXPECT_EQ(s["partial"], true);
}

// A school judged on UDP IP capacity ([target] method "udp", issue 17): its counted records
// hold the figure in udp.download / udp.upload, and the day's median is taken from there.
TEST_F(DailySummary, UdpRecordsGiveTheDaysIpCapacity) {
  auto day = localDayFromDate("2024-05-06");
  std::vector<nlohmann::json> r;
  for (double cap : {40.0, 50.0, 60.0}) {
    auto u = throughput("10:00", 0, 0, 5);
    u["method"] = "udp";
    u["download"] = nullptr;
    u["upload"] = nullptr;
    u["udp"] = {{"download", {{"ip_capacity_mbps", cap}, {"error", nullptr}}},
                {"upload", {{"ip_capacity_mbps", cap / 5}, {"error", nullptr}}}};
    r.push_back(std::move(u));
  }
  auto s = summarizeDay(r, *day, day->end, target100()).toJson();
  EXPECT_EQ(s["tests"]["counted"], 3);
  EXPECT_DOUBLE_EQ(s["download"]["ip_capacity_mbps"]["median"].get<double>(), 50.0) << s;
  EXPECT_DOUBLE_EQ(s["upload"]["ip_capacity_mbps"]["median"].get<double>(), 10.0) << s;
  EXPECT_DOUBLE_EQ(s["verdict"]["measured_mbps"].get<double>(), 50.0);
}

TEST_F(DailySummary, DayInProgressAndOpenOutage) {
  auto day = localDayFromDate("2024-05-06");
  std::vector<nlohmann::json> r = {period("00:00", "06:00", 21000, 600),
                                   {{"kind", "event"},
                                    {"event", "outage_started"},
                                    {"ts", at("05:50")},
                                    {"start", at("05:50")},
                                    {"class", "local"}}};
  auto s = summarizeDay(r, *day, *parseRfc3339(at("06:00")), target100()).toJson();
  EXPECT_EQ(s["complete"], false);
  EXPECT_DOUBLE_EQ(s["coverage"].get<double>(), 1.0);
  EXPECT_EQ(s["partial"], false);
  EXPECT_EQ(s["outages"]["by_class"]["local"]["count"], 1);
  EXPECT_DOUBLE_EQ(s["outages"]["by_class"]["local"]["seconds"].get<double>(), 600.0);
}

TEST(Distribution, NearestRankP10AndMedian) {
  std::vector<double> v;
  for (int i = 1; i <= 20; ++i) v.push_back(i);
  auto d = distributionOf(v);
  EXPECT_EQ(d->p10, 2);  // ceil(2.0) = 2nd
  EXPECT_EQ(d->median, 10.5);
  v.resize(11);
  EXPECT_EQ(distributionOf(v)->p10, 2);  // ceil(1.1) = 2nd
  v.resize(10);
  EXPECT_EQ(distributionOf(v)->p10, 1);
  EXPECT_EQ(distributionOf({7})->median, 7);
  EXPECT_FALSE(distributionOf({}));
}

TEST_F(DailySummary, LocalDaysAndCatchUp) {
  auto d = localDayOf(*parseRfc3339("2024-05-06T23:59:59+08:00"));
  EXPECT_EQ(d.date, "2024-05-06");
  EXPECT_EQ(formatRfc3339Utc(d.start), "2024-05-05T16:00:00.000Z");
  EXPECT_FALSE(localDayFromDate("2023-02-30"));
  EXPECT_FALSE(localDayFromDate("2023-2-3"));
  const WallTime now = *parseRfc3339("2024-05-06T00:05:00+08:00");
  auto due = daysDue(std::string("2024-05-03"), *parseRfc3339("2024-04-01T10:00:00+08:00"), now);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].date, "2024-05-04");
  EXPECT_EQ(due[1].date, "2024-05-05");
  due = daysDue(std::nullopt, *parseRfc3339("2024-05-05T10:00:00+08:00"), now);
  ASSERT_EQ(due.size(), 1u);
  due = daysDue(std::nullopt, *parseRfc3339("2024-01-01T10:00:00+08:00"), now);
  ASSERT_EQ(due.size(), 7u);
  EXPECT_EQ(due.front().date, "2024-04-29");
  EXPECT_TRUE(
      daysDue(std::string("2024-05-05"), *parseRfc3339("2024-04-01T10:00:00+08:00"), now).empty());
  EXPECT_TRUE(daysDue(std::nullopt, std::nullopt, now).empty());
}

TEST(LocalDay, DstDayIs23Hours) {
  const char* old = std::getenv("TZ");
  std::string saved = old ? old : "";
  setenv("TZ", "Europe/Berlin", 1);
  tzset();
  auto d = localDayFromDate("2024-03-31");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->end - d->start, std::chrono::hours(23));
  EXPECT_EQ(nextDay(*d).date, "2024-04-01");
  EXPECT_EQ(previousDay(*d).date, "2024-03-30");
  if (old)
    setenv("TZ", saved.c_str(), 1);
  else
    unsetenv("TZ");
  tzset();
}

}  // namespace
}  // namespace uplinkprobe::verdict
