// `report --period week|month`: ISO weeks (Monday to Sunday, across a year's end) and calendar
// months in the school's zone; each row is summarizeDay() over the period, so its medians are
// over the period's counted tests (not a median of daily medians), plus the days that met /
// missed the target; periods before the first record are left out; lines fit 80 columns.
#include <gtest/gtest.h>

#include <sstream>

#include "agent/cli/display_format.h"
#include "agent/cli/report_table.h"
#include "common/time_format.h"

namespace uplinkprobe::cli {
namespace {

WallTime at(const std::string& rfc3339) {
  auto t = parseRfc3339(rfc3339);
  EXPECT_TRUE(t) << rfc3339;
  return *t;
}

nlohmann::json test(const std::string& ts, double down, bool counted = true) {
  return {{"kind", "throughput"},
          {"ts", ts},
          {"download", {{"ip_capacity_mbps", down}}},
          {"upload", {{"ip_capacity_mbps", down / 4}}},
          {"verdict", {{"counted", counted}}}};
}

nlohmann::json availability(const std::string& start, const std::string& end, double up_s,
                            double down_s) {
  return {{"kind", "availability"}, {"ts", end},    {"period_start", start},
          {"period_end", end},      {"up_s", up_s}, {"down_s", down_s}};
}

class ReportPeriod : public ::testing::Test {
 protected:
  void SetUp() override { useTimeZone("Asia/Shanghai"); }
};

TEST_F(ReportPeriod, IsoWeeksRunMondayToSundayInLocalTimeAcrossTheYearsEnd) {
  // Thursday 2027-01-01 00:30 +08:00 is still 2026-12-31 in UTC; ISO week 2026-W53.
  auto w = periodOf(at("2026-12-31T16:30:00Z"), Period::kWeek);
  EXPECT_EQ(w.label, "2026-W53");
  EXPECT_EQ(w.first_day.date, "2026-12-28");
  EXPECT_EQ(w.last_day.date, "2027-01-03");
  EXPECT_EQ(w.start, at("2026-12-27T16:00:00Z"));  // Monday 00:00 +08:00
  EXPECT_EQ(w.end, at("2027-01-03T16:00:00Z"));
  EXPECT_EQ(previousPeriod(w, Period::kWeek).label, "2026-W52");
  // Sunday 23:59 local is the same week; Monday 00:00 local the next.
  EXPECT_EQ(periodOf(at("2026-12-06T15:59:00Z"), Period::kWeek).label, "2026-W49");
  EXPECT_EQ(periodOf(at("2026-12-06T16:00:00Z"), Period::kWeek).label, "2026-W50");

  auto m = periodOf(at("2026-12-31T16:30:00Z"), Period::kMonth);
  EXPECT_EQ(m.label, "2027-01");
  EXPECT_EQ(m.first_day.date, "2027-01-01");
  EXPECT_EQ(m.last_day.date, "2027-01-31");
  auto feb = periodOf(at("2027-02-10T00:00:00Z"), Period::kMonth);
  EXPECT_EQ(feb.last_day.date, "2027-02-28");
  EXPECT_EQ(previousPeriod(m, Period::kMonth).label, "2026-12");
  EXPECT_EQ(previousPeriod(m, Period::kMonth).first_day.date, "2026-12-01");
}

TEST_F(ReportPeriod, RowsAggregateTheTestsOfThePeriodAndCountTheDays) {
  ReportInput in;
  in.school_id = "220102-0042";
  in.device_id = "jl-0042-p1";
  in.target.down_target_mbps = 100;
  in.target.tolerance_pct = 5;
  in.now = at("2026-12-09T04:00:00Z");  // Wednesday of 2026-W50, 12:00 local
  in.first_record = at("2026-12-03T01:00:00Z");
  // W49 (from Thursday 12-03): Thursday 2 tests 50 and 60 (below), Friday 1 test 200 (met),
  // Saturday a test not counted (900). Period median over counted tests = 60, not the
  // median of the daily medians (55, 200 -> 127.5).
  in.records = {test("2026-12-03T01:00:00Z", 50), test("2026-12-03T02:00:00Z", 60),
                test("2026-12-04T02:00:00Z", 200), test("2026-12-05T02:00:00Z", 900, false),
                availability("2026-12-03T01:00:00Z", "2026-12-03T02:00:00Z", 3000, 600),
                // W50: Monday 120 (met)
                test("2026-12-07T02:00:00Z", 120)};
  std::vector<PeriodSpan> spans{periodOf(at("2026-11-25T00:00:00Z"), Period::kWeek)};
  spans.push_back(periodOf(at("2026-12-02T00:00:00Z"), Period::kWeek));
  spans.push_back(periodOf(in.now, Period::kWeek));
  const auto rows = reportPeriods(in, spans);
  ASSERT_EQ(rows.size(), 2u);  // 2026-W48 ended before the first record
  const auto& w49 = rows[0];
  EXPECT_EQ(w49.label, "2026-W49");
  EXPECT_EQ(w49.first_date, "2026-11-30");
  EXPECT_EQ(w49.last_date, "2026-12-06");
  EXPECT_EQ(w49.summary.tests.run, 4);
  EXPECT_EQ(w49.summary.tests.counted, 3);
  ASSERT_TRUE(w49.summary.download.ip_capacity_mbps.has_value());
  EXPECT_EQ(w49.summary.download.ip_capacity_mbps->median, 60);
  EXPECT_EQ(w49.days_reported, 4);  // Thursday to Sunday
  EXPECT_EQ(w49.days_met, 1);
  EXPECT_EQ(w49.days_below, 1);
  EXPECT_EQ(w49.summary.verdict.meets_target, false);
  EXPECT_EQ(w49.summary.outages.count, 0);
  ASSERT_TRUE(w49.summary.uptime_pct.has_value());
  EXPECT_DOUBLE_EQ(*w49.summary.uptime_pct, 83.33);
  EXPECT_TRUE(w49.summary.complete);
  const auto& w50 = rows[1];
  EXPECT_EQ(w50.label, "2026-W50");
  EXPECT_FALSE(w50.summary.complete);
  EXPECT_EQ(w50.days_reported, 3);  // Monday to today
  EXPECT_EQ(w50.days_met, 1);
  EXPECT_EQ(w50.summary.verdict.meets_target, true);

  const std::string csv = formatPeriodCsv(in, rows);
  EXPECT_NE(csv.find("\n220102-0042,jl-0042-p1,2026-W49,2026-11-30,2026-12-06,true,4,3,0,60,50,"),
            std::string::npos)
      << csv;
  EXPECT_NE(csv.find(",4,1,1,false\n"), std::string::npos) << csv;
  const std::string table = formatPeriodTable(in, Period::kWeek, rows);
  EXPECT_NE(table.find("2026-W49"), std::string::npos) << table;
  EXPECT_NE(table.find("2026-W50"), std::string::npos) << table;
  std::istringstream lines(table);
  for (std::string line; std::getline(lines, line);)
    EXPECT_LE(displayWidth(line), kMaxColumns) << line;
}

TEST_F(ReportPeriod, DayRowsSayTheTypedDailySummaryInTheTableAndTheCsv) {
  ReportInput in;
  in.school_id = "220102-0042";
  in.device_id = "jl-0042-p1";
  in.target.down_target_mbps = 100;
  in.target.tolerance_pct = 5;
  in.days = 2;
  in.now = at("2026-12-04T04:00:00Z");  // Friday 12:00 local
  in.first_record = at("2026-12-03T01:00:00Z");
  in.records = {test("2026-12-03T01:00:00Z", 50), test("2026-12-03T02:00:00Z", 60),
                availability("2026-12-03T01:00:00Z", "2026-12-03T02:00:00Z", 3000, 600),
                test("2026-12-04T02:00:00Z", 200)};
  const auto days = reportDays(in);
  ASSERT_EQ(days.size(), 2u);
  EXPECT_EQ(days[0].date, "2026-12-03");
  EXPECT_TRUE(days[0].complete);
  EXPECT_FALSE(days[1].complete);  // today, so far
  const std::string csv = formatReportCsv(in, days);
  // Thursday: 2 tests counted, median 55, p10 50, min 50, max 60; upload a quarter; uptime
  // 3000 of 3600 s; no outage; observed one hour of the day; below the target.
  EXPECT_NE(
      csv.find("\n220102-0042,jl-0042-p1,2026-12-03,2,2,0,55,50,50,60,13.75,12.5,83.33,0,0,0,"),
      std::string::npos)
      << csv;
  EXPECT_NE(csv.find(",false,true,false\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("2026-12-04,1,1,0,200,200,200,200,50,50,,0,0,0,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",false,false,true\n"), std::string::npos) << csv;
  const std::string table = formatReportTable(in, days);
  EXPECT_NE(table.find("2026-12-03"), std::string::npos) << table;
  EXPECT_NE(table.find("2/2"), std::string::npos) << table;
  EXPECT_NE(table.find("83.3"), std::string::npos) << table;
  std::istringstream lines(table);
  for (std::string line; std::getline(lines, line);)
    EXPECT_LE(displayWidth(line), kMaxColumns) << line;
}

}  // namespace
}  // namespace uplinkprobe::cli
