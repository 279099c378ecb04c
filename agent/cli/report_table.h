// `uplinkprobe report`: the on-site compliance view, computed from journal records. Pure
// (records, now, target in; text out) so it is unit-tested without a journal or a clock.
//
// Days are computed from the raw records with the same summarizeDay() the daemon uses for
// `daily` records, so the report is right even on days the daemon never summarised.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/verdict/alert_engine.h"
#include "agent/verdict/local_day.h"
#include "agent/verdict/throughput_verdict.h"
#include "common/clock.h"
#include "record/daily_record.h"

namespace uplinkprobe::cli {

inline constexpr int kReportMaxDays = 62;
inline constexpr size_t kReportLastTests = 5;

struct ReportInput {
  std::string school_id, device_id;
  verdict::VerdictInputs target;
  int days = 7;  // today and the days before it
  WallTime now{};
  // Records that may touch the reported days (older ones are harmless, just ignored).
  std::vector<nlohmann::json> records;
  record::AlertState alert_state;         // AlertEngine::state() after replaying the whole journal
  std::deque<nlohmann::json> last_tests;  // newest last, at most kReportLastTests
  // ts of the journal's first record: days that ended before it are not reported (the
  // agent was not installed yet, which is not "agent not running"). nullopt = no records.
  std::optional<WallTime> first_record;
};

// One summarizeDay() per reported day, oldest first (today last, in progress); days that
// ended before in.first_record are left out.
std::vector<record::DailyRecord> reportDays(const ReportInput& in);
// The 80-column table: one line a day, open alerts, last tests.
std::string formatReportTable(const ReportInput& in, const std::vector<record::DailyRecord>& days);
// Machine-readable: a header line and one row per day, with school_id and device_id on every
// row. Columns (English, stable): day_ended (the day is over; false for today),
// observed_share (0..1 of the day the agent observed), observed_all_day (observed_share
// >= 0.99), meets_target (empty when no counted test). Unknown numbers are empty cells.
std::string formatReportCsv(const ReportInput& in, const std::vector<record::DailyRecord>& days);

}  // namespace uplinkprobe::cli

namespace uplinkprobe::cli {

// `report --period week|month`: one row per ISO week (Monday to Sunday) or calendar month in
// the school's zone, from the same summarizeDay() over the whole period (tests, medians,
// uptime, outages, coverage of the period so far; its verdict on the median counted download
// of the period, as a day's) plus how many of its reported days met / missed the target.
enum class Period { kWeek, kMonth };
inline constexpr int kReportMaxPeriods = 12;

struct PeriodSpan {
  std::string label;  // "2026-W49" (ISO week-year and week), "2026-12"
  verdict::LocalDay first_day, last_day;
  WallTime start, end;
};
// The period holding t.
PeriodSpan periodOf(WallTime t, Period p);
PeriodSpan previousPeriod(const PeriodSpan& s, Period p);

// One reported period: summarizeDay() over [start, min(now, end)) and how its days went.
struct PeriodRow {
  std::string label;  // the span's label
  std::string first_date, last_date;
  record::DailyRecord summary;  // the whole period summarised as one day
  int days_reported = 0, days_met = 0, days_below = 0;
};
// Oldest first. Periods that ended before in.first_record are left out; so are days before
// it in the day counts.
std::vector<PeriodRow> reportPeriods(const ReportInput& in, const std::vector<PeriodSpan>& spans);
std::string formatPeriodTable(const ReportInput& in, Period p,
                              const std::vector<PeriodRow>& periods);
// Columns: school_id,device_id,period,first_date,last_date,period_ended,tests_run,
// tests_counted,tests_failed,down_median_mbps,down_p10_mbps,up_median_mbps,uptime_pct,
// outages,outage_s,observed_share,days_reported,days_met,days_below,meets_target.
std::string formatPeriodCsv(const ReportInput& in, const std::vector<PeriodRow>& periods);

}  // namespace uplinkprobe::cli
